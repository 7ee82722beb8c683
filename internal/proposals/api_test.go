package proposals_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"shequ/internal/platform/auth"
	"shequ/internal/platform/db"
	"shequ/internal/platform/db/dbtest"
	"shequ/internal/server"
)

// sendForm posts the proposal form as the phone's outbox does — multipart, with a
// photo, under key — each time with a multipart boundary of its own.
func sendForm(t *testing.T, h http.Handler, token, key string, fields map[string]string, photo []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("photos", "出生医学证明.jpg")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(photo)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/proposals", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestProposalAPI_TheOfflineFormSentTwiceWithOneKeyMakesOneProposal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		setup(t, d)
		ctx := context.Background()
		as := auth.NewService(d, now)
		if _, err := as.AddUser(ctx, "网格员小王", auth.RoleGrid, worker.OrgCode); err != nil {
			t.Fatal(err)
		}
		token, err := as.NewAPIToken(ctx, "网格员小王")
		if err != nil {
			t.Fatal(err)
		}
		srv, err := server.New(server.Config{DB: d, Now: now, Zone: shanghai, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		img := image.NewRGBA(image.Rect(0, 0, 64, 48))
		img.Set(3, 3, color.RGBA{R: 200, A: 255})
		var photo bytes.Buffer
		if err := jpeg.Encode(&photo, img, nil); err != nil {
			t.Fatal(err)
		}
		fields := map[string]string{"kind": "newborn", "household_no": "H001", "name": "李小宝", "id_number": idNumber("20261001", "013"),
			"relation": "41", "note": "出生医学证明已看过"}
		var ids []string
		for range 2 {
			code, body := sendForm(t, srv, token, "7c1d2e9a-0000-4000-8000-000000000001", fields, photo.Bytes())
			if code != http.StatusCreated {
				t.Fatalf("%d %s", code, body)
			}
			var pr struct{ ID, State string }
			if err := json.Unmarshal([]byte(body), &pr); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, pr.ID)
		}
		if ids[0] != ids[1] || count(t, d, `SELECT COUNT(*) FROM proposals`) != 1 {
			t.Fatalf("two sends made %v, %d proposals", ids, count(t, d, `SELECT COUNT(*) FROM proposals`))
		}
		if n := count(t, d, `SELECT COUNT(*) FROM files WHERE owner_kind = 'proposal'`); n != 1 {
			t.Fatalf("%d photos kept, want 1", n)
		}
		fields["note"] = "另一条"
		if code, body := sendForm(t, srv, token, "7c1d2e9a-0000-4000-8000-000000000001", fields, photo.Bytes()); code != http.StatusUnprocessableEntity {
			t.Fatalf("the key with another body: %d %s", code, body)
		}
	})
}
