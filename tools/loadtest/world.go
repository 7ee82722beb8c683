package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"shequ/internal/platform/db"
)

// community is the demo community whose worker the load signs in as: 1,807
// households in seven grids.
const community = "450403001001"

// world is a run's two servers on one demo city, and what the load asks for.
type world struct {
	cfg       config
	dialect   string // "sqlite" or "postgres"
	dir       string
	shequ     string // the built binary
	dsn       string
	dropDB    func() // drops the PostgreSQL database made for the run
	serve     *exec.Cmd
	anchor    *exec.Cmd
	serveLog  string
	app, bare string // base URLs
	worker    string // the community worker's API token
	city      string // the city user's API token
	residents []string
	houses    []string
}

func newWorld(ctx context.Context, cfg config) (*world, error) {
	dir, err := os.MkdirTemp("", "shequ-loadtest-")
	if err != nil {
		return nil, err
	}
	w := &world{cfg: cfg, dialect: "sqlite", dir: dir, shequ: filepath.Join(dir, "shequ"), dropDB: func() {}}
	ok := false
	defer func() {
		if !ok {
			w.close()
		}
	}()
	log.Print("building shequ")
	if err := command(ctx, "go", "build", "-o", w.shequ, ".").Run(); err != nil {
		return nil, fmt.Errorf("go build (run loadtest from the repository's root): %w", err)
	}
	fresh := true
	switch {
	case cfg.postgres != "":
		w.dialect = "postgres"
		if err := w.newPostgres(ctx, cfg.postgres); err != nil {
			return nil, err
		}
	case cfg.sqlite != "":
		w.dsn, fresh = cfg.sqlite, false
	default:
		w.dsn = filepath.Join(dir, "demo.db")
	}
	if fresh {
		log.Print("loading the demo city")
		if err := w.shequCmd(ctx, "demo", "--db", w.dsn).Run(); err != nil {
			return nil, fmt.Errorf("shequ demo: %w", err)
		}
	}
	if w.worker, err = w.token(ctx, "demo-community"); err != nil {
		return nil, err
	}
	if w.city, err = w.token(ctx, "demo-city"); err != nil {
		return nil, err
	}
	if err := w.startServe(ctx); err != nil {
		return nil, err
	}
	if err := w.startAnchor(ctx); err != nil {
		return nil, err
	}
	if err := w.findTargets(ctx); err != nil {
		return nil, err
	}
	ok = true
	return w, nil
}

// newPostgres makes a database of its own for the run on the server at serverURL,
// and a key for its ID numbers and phones.
func (w *world) newPostgres(ctx context.Context, serverURL string) error {
	admin, err := db.Open(ctx, serverURL)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("shequ_loadtest_%d", os.Getpid())
	if _, err := admin.Write().ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		admin.Close()
		return err
	}
	w.dropDB = func() {
		if _, err := admin.Write().ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			log.Printf("drop %s: %v", name, err)
		}
		admin.Close()
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		return err
	}
	u.Path = "/" + name
	w.dsn = u.String()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	return os.Setenv("SHEQU_KEY", base64.StdEncoding.EncodeToString(key))
}

// token makes an API token for a demo user.
func (w *world) token(ctx context.Context, user string) (string, error) {
	out, err := w.shequCmd(ctx, "user", "token", "--name", user, "--db", w.dsn).Output()
	if err != nil {
		return "", fmt.Errorf("shequ user token --name %s: %w", user, err)
	}
	lines := strings.Fields(string(out))
	if len(lines) == 0 {
		return "", errors.New("shequ user token printed nothing")
	}
	return lines[len(lines)-1], nil
}

// startServe starts `shequ serve` on a free loopback port, its log to a file.
func (w *world) startServe(ctx context.Context) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	w.serveLog = filepath.Join(w.dir, "serve.log")
	logf, err := os.Create(w.serveLog)
	if err != nil {
		return err
	}
	w.serve = w.shequCmd(ctx, "serve", "--db", w.dsn, "--addr", addr)
	w.serve.Stdout, w.serve.Stderr = logf, logf
	if err := w.serve.Start(); err != nil {
		return err
	}
	w.app = "http://" + addr
	for range 600 {
		if res, err := http.Get(w.app + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("shequ serve did not answer within a minute; see %s", w.serveLog)
}

// startAnchor starts this program again as the bare server, and reads its address.
func (w *world) startAnchor(ctx context.Context) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	w.anchor = exec.CommandContext(ctx, self, "anchor", "--db", w.dsn)
	w.anchor.Stderr = os.Stderr
	out, err := w.anchor.StdoutPipe()
	if err != nil {
		return err
	}
	if err := w.anchor.Start(); err != nil {
		return err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return fmt.Errorf("the anchor server did not start: %w", err)
	}
	w.bare = "http://" + strings.TrimSpace(line)
	return nil
}

// findTargets asks shequ for the community's first households and their residents,
// the ids the load rotates through.
func (w *world) findTargets(ctx context.Context) error {
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := w.getJSON(ctx, "/api/v1/org/"+community+"/households", &list); err != nil {
		return err
	}
	for _, h := range list.Items {
		w.houses = append(w.houses, h.ID)
		if len(w.residents) >= 200 {
			continue
		}
		var house struct {
			Residents []struct {
				ID string `json:"id"`
			} `json:"residents"`
		}
		if err := w.getJSON(ctx, "/api/v1/households/"+h.ID, &house); err != nil {
			return err
		}
		for _, r := range house.Residents {
			w.residents = append(w.residents, r.ID)
		}
	}
	if len(w.houses) == 0 || len(w.residents) == 0 {
		return errors.New("the demo community has no households to load")
	}
	return nil
}

// getJSON reads one of shequ's API answers as the community worker.
func (w *world) getJSON(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.app+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+w.worker)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// shequCmd is the built shequ with args.
func (w *world) shequCmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, w.shequ, args...)
	cmd.Stderr = os.Stderr
	return cmd
}

func (w *world) close() {
	for _, c := range []*exec.Cmd{w.serve, w.anchor} {
		if c != nil && c.Process != nil {
			_ = c.Process.Signal(os.Interrupt)
			_ = c.Wait()
		}
	}
	w.dropDB()
	_ = os.RemoveAll(w.dir)
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// command runs name with args in the current directory, its output to stderr.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd
}
