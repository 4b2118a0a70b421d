package neynar_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/neynar"
	"github.com/plaudit/plaudit/sqlstore"
)

// FuzzDecode feeds the webhook decoder arbitrary bodies (seeded with the fixtures): it must never panic,
// must answer either an error naming a field, an ignored body, or events that pass the event log's own
// validation, and must be deterministic.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := neynar.Decode(body, target)
		if err != nil {
			fe, ok := err.(*plaudit.FieldError)
			if !ok {
				t.Fatalf("error %T %v, want a *plaudit.FieldError", err, err)
			}
			if fe.Reason == "" {
				t.Fatalf("error without a reason: %+v", fe)
			}
			return
		}
		if d.Ignored != "" && len(d.Events) > 0 {
			t.Fatalf("ignored with events: %+v", d)
		}
		for i := range d.Events {
			e := &d.Events[i]
			if e.Source != plaudit.SourceFarcaster || e.ExternalID == "" {
				t.Fatalf("event %+v", e)
			}
			// Events the decoder makes either pass validation or are refused by it with a field named: the
			// handler answers those 400. Nothing may be stored half-checked.
			for _, fe := range e.Validate() {
				if fe.Field == "" && !strings.Contains(fe.Reason, "invalid") {
					t.Fatalf("event %s: error without a field: %+v", e.Key(), fe)
				}
			}
		}
		again, err := neynar.Decode(body, target)
		if err != nil || len(again.Events) != len(d.Events) {
			t.Fatalf("not deterministic: %v", err)
		}
		for i := range d.Events {
			if again.Events[i].Key() != d.Events[i].Key() || !again.Events[i].Time.Equal(d.Events[i].Time) {
				t.Fatalf("not deterministic: %+v vs %+v", again.Events[i], d.Events[i])
			}
		}
	})
}

// BenchmarkVerifyDecode measures what a delivery costs before the store: the signature check and the
// decoding of a cast.created body into its event.
func BenchmarkVerifyDecode(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("testdata", "cast_created.json"))
	if err != nil {
		b.Fatal(err)
	}
	sig := neynar.Sign([]byte("secret"), body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if !neynar.Verify([]byte("secret"), body, sig) {
			b.Fatal("bad signature")
		}
		if d, err := neynar.Decode(body, target); err != nil || len(d.Events) != 1 {
			b.Fatal(err)
		}
	}
}

// BenchmarkWebhookSQLite measures whole deliveries through the handler into a SQLite store: each a new
// signed cast.created, verified, decoded and appended through the service.
func BenchmarkWebhookSQLite(b *testing.B) {
	st, err := sqlstore.Open(context.Background(), filepath.Join(b.TempDir(), "plaudit.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	h := neynar.NewHandler(service.New(st, service.Options{Logger: quiet()}), secret, target, quiet())
	body, err := os.ReadFile(filepath.Join("testdata", "cast_created.json"))
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		cast := bytes.Replace(body, []byte("0x5f1c0a3e9b2e11aa4c7d0e6f1a2b3c4d5e6f7a8b"), fmt.Appendf(nil, "0x%040x", i), 1)
		req := httptest.NewRequest(http.MethodPost, neynar.Path, bytes.NewReader(cast))
		req.Header.Set(neynar.SignatureHeader, neynar.Sign([]byte(secret), cast))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"accepted"`) {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
