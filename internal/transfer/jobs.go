package transfer

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"shequ/internal/platform/apperr"
	"shequ/internal/platform/auth"
	"shequ/internal/platform/sheet"
	"shequ/internal/platform/web"
)

// JobTTL is how long an import job and its file are kept after they were last
// looked at: long enough to fix a mapping or fetch the error report, short enough
// that uploaded registers, full of ID numbers, do not pile up on the server's disk.
const JobTTL = time.Hour

// maxJobsPerUser bounds the files one user keeps on the server. A new upload past
// it drops the user's oldest job that is not running.
const maxJobsPerUser = 5

// jobState is where an import job stands.
type jobState string

const (
	jobChecking  jobState = "checking"  // the dry run is reading the file
	jobChecked   jobState = "checked"   // the dry run is done: ready to confirm, or problems to fix
	jobImporting jobState = "importing" // the confirmed import is writing
	jobDone      jobState = "done"      // the import is written
	jobFailed    jobState = "failed"    // the file could not be read, or the system failed
)

// job is one uploaded file on its way into the register: checked by a dry run in
// the background, then, once its owner confirms, imported from the same file.
type job struct {
	id     string
	owner  string // the user ID of who uploaded it; nobody else may see it
	kind   Kind
	name   string // the file's name as uploaded
	path   string // the saved copy
	format sheet.Format
	open   sheet.Options

	// Guarded by jobs.mu.
	state    jobState
	mapping  map[string]string
	progress Progress
	result   *Result
	err      error
	touched  time.Time
}

// jobView is a copy of a job taken under the lock, for a page to render at leisure.
// Result is a copy too, so that describing its problems in one reader's language
// does not race with another's.
type jobView struct {
	ID, Name string
	Kind     Kind
	State    jobState
	Progress Progress
	Result   *Result
	Err      error
	path     string
	format   sheet.Format
	open     sheet.Options
}

// jobs holds the import jobs of one server in memory. A restart forgets them, and
// with them files nobody has confirmed; an import already running when the process
// ends leaves nothing behind either, as it writes in one transaction.
type jobs struct {
	svc   *Service
	clock func() time.Time // the wall clock, for expiry
	mu    sync.Mutex
	dir   string      // where uploads are saved, made on the first
	sweep *time.Timer // set while a job waits to expire
	byID  map[string]*job
}

func newJobs(svc *Service) *jobs {
	return &jobs{svc: svc, clock: time.Now, byID: map[string]*job{}}
}

// uploadDir returns the server's directory for uploads, making it the first time.
func (js *jobs) uploadDir() (string, error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.dir != "" {
		if _, err := os.Stat(js.dir); err != nil {
			js.dir = "" // a cleaner of the temporary directory took it
		}
	}
	if js.dir == "" {
		dir, err := os.MkdirTemp("", "shequ-imports-")
		if err != nil {
			return "", err
		}
		js.dir = dir
	}
	return js.dir, nil
}

// add registers a saved upload as a job of p's and starts its dry run.
func (js *jobs) add(ctx context.Context, p auth.Principal, kind Kind, up upload, open sheet.Options) (string, error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.sweepLocked()
	var mine []*job
	for _, j := range js.byID {
		if j.owner == p.UserID {
			mine = append(mine, j)
		}
	}
	for len(mine) >= maxJobsPerUser {
		oldest := -1
		for i, j := range mine {
			if !j.running() && (oldest < 0 || j.touched.Before(mine[oldest].touched)) {
				oldest = i
			}
		}
		if oldest < 0 {
			return "", apperr.New(apperr.Conflict, "transfer.busy", "").With("n", len(mine))
		}
		js.dropLocked(mine[oldest])
		mine = append(mine[:oldest], mine[oldest+1:]...)
	}
	j := &job{id: rand.Text(), owner: p.UserID, kind: kind, name: up.name, path: up.path, format: up.format, open: open,
		mapping: map[string]string{}, touched: js.clock()}
	js.byID[j.id] = j
	js.startLocked(ctx, j, p, true)
	return j.id, nil
}

// get returns a copy of p's job id; ok is false when there is no such job of p's,
// or it has expired.
func (js *jobs) get(p auth.Principal, id string) (v jobView, ok bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.sweepLocked()
	j, ok := js.byID[id]
	if !ok || j.owner != p.UserID {
		return jobView{}, false
	}
	j.touched = js.clock()
	v = jobView{ID: j.id, Name: j.name, Kind: j.kind, State: j.state, Progress: j.progress, Err: j.err,
		path: j.path, format: j.format, open: j.open}
	if j.result != nil {
		res := *j.result
		res.Columns = append([]ColumnMatch(nil), res.Columns...)
		res.Problems = append([]Problem(nil), res.Problems...)
		res.Warnings = append([]Problem(nil), res.Warnings...)
		v.Result = &res
	}
	return v, true
}

// confirm starts the import of p's checked job id. It does nothing unless the dry
// run found the file clean, so a second click, or a confirm of a file with
// problems, writes nothing.
func (js *jobs) confirm(ctx context.Context, p auth.Principal, id string) bool {
	js.mu.Lock()
	defer js.mu.Unlock()
	j, ok := js.byID[id]
	if !ok || j.owner != p.UserID {
		return false
	}
	if j.state == jobChecked && j.result != nil && j.result.OK() {
		js.startLocked(ctx, j, p, false)
	}
	return true
}

// remap checks p's job id again, reading its columns through mapping as well as
// the mapping given before.
func (js *jobs) remap(ctx context.Context, p auth.Principal, id string, mapping map[string]string) bool {
	js.mu.Lock()
	defer js.mu.Unlock()
	j, ok := js.byID[id]
	if !ok || j.owner != p.UserID {
		return false
	}
	if j.state == jobChecked {
		for h, f := range mapping {
			j.mapping[h] = f
		}
		js.startLocked(ctx, j, p, true)
	}
	return true
}

func (j *job) running() bool { return j.state == jobChecking || j.state == jobImporting }

// startLocked runs a dry run or the import of j in the background. The job
// outlives the request that started it, so it runs on a context that the request's
// end does not cancel.
func (js *jobs) startLocked(ctx context.Context, j *job, p auth.Principal, dryRun bool) {
	j.state, j.progress, j.result, j.err = jobChecking, Progress{}, nil, nil
	if !dryRun {
		j.state = jobImporting
	}
	mapping := map[string]string{}
	for h, f := range j.mapping {
		mapping[h] = f
	}
	go js.run(context.WithoutCancel(ctx), j, p, dryRun, mapping)
}

// run reads j's file and imports it. A panic fails the job instead of the server:
// the user is told the system failed, the log gets the stack.
func (js *jobs) run(ctx context.Context, j *job, p auth.Principal, dryRun bool, mapping map[string]string) {
	defer func() {
		if v := recover(); v != nil {
			js.finish(ctx, j, nil, fmt.Errorf("import job panicked: %v\n%s", v, debug.Stack()))
		}
	}()
	r, err := sheet.Open(j.path, j.format, j.open)
	if err != nil {
		js.finish(ctx, j, nil, err)
		return
	}
	defer r.Close()
	res, err := js.svc.Import(ctx, p, j.kind, r, Options{DryRun: dryRun, Map: mapping, Source: j.name, Progress: func(pr Progress) {
		js.mu.Lock()
		j.progress = pr
		js.mu.Unlock()
	}})
	js.finish(ctx, j, res, err)
}

// finish records the end of a run: a committed import is done; a dry run, or an
// import that found problems after all (the register changed since the check),
// waits on the check's page.
func (js *jobs) finish(ctx context.Context, j *job, res *Result, err error) {
	var ae *apperr.Error
	if err != nil && !errors.As(err, &ae) {
		web.Logger(ctx).ErrorContext(ctx, "import job failed", "kind", j.kind, "err", err)
	}
	js.mu.Lock()
	defer js.mu.Unlock()
	j.touched = js.clock()
	switch {
	case err != nil:
		j.state, j.err = jobFailed, err
	case res.Committed:
		j.state, j.result = jobDone, res
	default:
		j.state, j.result = jobChecked, res
	}
	js.sweepLocked()
}

// sweepLocked drops the jobs nobody has looked at for JobTTL. Running jobs stay:
// their goroutine still holds the file. While jobs wait to expire, a timer comes
// back for the next of them, so that an idle server does not keep registers on
// its disk until someone next visits.
func (js *jobs) sweepLocked() {
	now := js.clock()
	next := time.Duration(-1)
	for _, j := range js.byID {
		if j.running() {
			continue // its finish sweeps again
		}
		left := JobTTL - now.Sub(j.touched)
		if left < 0 {
			js.dropLocked(j)
			continue
		}
		if next < 0 || left < next {
			next = left
		}
	}
	// A job touched later expires later: a timer already set comes first.
	if next >= 0 && js.sweep == nil {
		js.sweep = time.AfterFunc(next+time.Second, func() {
			js.mu.Lock()
			defer js.mu.Unlock()
			js.sweep = nil
			js.sweepLocked()
		})
	}
}

// close drops every job and removes the upload directory. A job still running
// keeps reading its open file.
func (js *jobs) close() error {
	js.mu.Lock()
	defer js.mu.Unlock()
	clear(js.byID)
	dir := js.dir
	js.dir = ""
	if dir == "" {
		return nil
	}
	return os.RemoveAll(dir)
}

func (js *jobs) dropLocked(j *job) {
	delete(js.byID, j.id)
	if err := os.Remove(j.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		slog.Error("remove an import's file", "err", err)
	}
}
