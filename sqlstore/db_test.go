package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func TestRedact(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://u:pw@h:5432/db?sslmode=disable":       "postgres://u:xxxxx@h:5432/db?sslmode=disable",
		"postgresql://u@h/db?password=pw&sslmode=disable": "postgresql://u@h/db?password=xxxxx&sslmode=disable",
		"postgres://u:p%40ss@h/db":                        "postgres://u:xxxxx@h/db",
		"postgres://u:pw@h:bad port/db":                   "postgres://(malformed URL)",
		"postgres:///:pw@h/db":                            "postgres://(malformed URL)",
		"postgres://u:pw@h/db?password=%zz":               "postgres://(malformed URL)",
		"postgres:///plaudit?host=/run/postgresql":        "postgres:///plaudit?host=/run/postgresql",
		"/var/lib/plaudit.db":                             "/var/lib/plaudit.db",
	} {
		if got := Redact(dsn); got != want {
			t.Errorf("Redact(%q) = %q, want %q", dsn, got, want)
		}
	}
}

func TestScrub(t *testing.T) {
	base := errors.New("boom")
	for _, dsn := range []string{"postgres://u:pw%2Fx@h/db", "postgres://u@h/db?password=pw/x"} {
		err := scrub(&wrapped{"cannot parse postgres://u:pw/x@h/db and pw%2Fx", base}, dsn)
		if strings.Contains(err.Error(), "pw/x") || strings.Contains(err.Error(), "pw%2Fx") {
			t.Errorf("scrub(%q) left the password: %v", dsn, err)
		}
		if !errors.Is(err, base) {
			t.Errorf("scrub lost the wrapped error")
		}
	}
}

type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

func TestRebind(t *testing.T) {
	pg, lite := &DB{dialect: Postgres}, &DB{dialect: SQLite}
	q := "SELECT a FROM t WHERE b = ? AND c = '?' AND d IN (?, ?)"
	if got, want := pg.Rebind(q), "SELECT a FROM t WHERE b = $1 AND c = '?' AND d IN ($2, $3)"; got != want {
		t.Errorf("Rebind = %q, want %q", got, want)
	}
	if got := lite.Rebind(q); got != q {
		t.Errorf("SQLite Rebind changed the query: %q", got)
	}
}

func TestDefaultPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	p, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "plaudit", "plaudit.db"); p != want {
		t.Fatalf("DefaultPath() = %s, want %s", p, want)
	}
	if fi, err := os.Stat(filepath.Dir(p)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data folder: %v, %v; want mode 0700", fi, err)
	}
	// A relative XDG_DATA_HOME is ignored, as the spec says.
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", "relative")
	if p, err = DefaultPath(); err != nil || p != filepath.Join(home, ".local", "share", "plaudit", "plaudit.db") {
		t.Fatalf("with a relative XDG_DATA_HOME: %s, %v", p, err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, ""); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Errorf("Open(\"\"): %v, want EINVALID", err)
	}
	_, err := Open(ctx, filepath.Join(t.TempDir(), "no", "such", "folder", "x.db"))
	if plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Open in a missing folder: %v", err)
	}
	// A file that is not a database.
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, junk); err == nil {
		t.Error("Open of a junk file succeeded")
	}
}

// TestReopen checks that opening an existing store keeps its events and applies no migration twice, and that
// a path with URI-special characters works.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "odd ?#% name.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	e := plaudit.Event{Source: plaudit.SourceX, ExternalID: "1", Kind: plaudit.KindPost, Actor: "a", Time: time.Unix(1_800_000_000, 5)}
	if _, err := db.AppendEvents(ctx, []plaudit.Event{e}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("store file not at its path: %v", err)
	}
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.EventByKey(ctx, plaudit.SourceX, "1")
	if err != nil || !got.Time.Equal(e.Time) {
		t.Fatalf("after reopening: %v, %v", got, err)
	}
}

// FuzzRedact checks that neither Redact nor scrub ever shows a password, whatever the URL looks like.
func FuzzRedact(f *testing.F) {
	f.Add("plaudit", "s3cret", "db.internal:5432", "sslmode=require")
	f.Add("u", "p@ss:w/rd?#", "h", "")
	f.Add("", "pw", "[::1]:5432", "password=other1")
	f.Add("user", "%zz", "bad port", "a=%")
	f.Fuzz(func(t *testing.T, user, password, host, query string) {
		// A password must be long enough, and hold a letter that escaping never writes (g–z), for its
		// appearance in the output to mean a leak rather than a coincidence of escapes.
		if len(password) < 4 || strings.ContainsAny(password, "\x00") || !strings.ContainsAny(strings.ToLower(password), "ghijklmnopqrstuvwxyz") {
			return
		}
		for _, v := range []struct{ dsn, form string }{
			{"postgres://" + user + ":" + password + "@" + host + "/db?" + query, password},
			{"postgres://" + user + ":" + url.PathEscape(password) + "@" + host + "/db?" + query, url.PathEscape(password)},
			{"postgresql://" + user + "@" + host + "/db?password=" + url.QueryEscape(password) + "&" + query, url.QueryEscape(password)},
		} {
			dsn := v.dsn
			// Only a password that appears nowhere else in the URL can be told apart from the rest of it.
			rest := strings.Replace(dsn, v.form, "", 1)
			if strings.Contains(rest, password) || strings.Contains(rest, url.QueryEscape(password)) ||
				strings.Contains(rest, url.PathEscape(password)) || strings.Contains("xxxxx", password) {
				continue
			}
			for _, shown := range []string{Redact(dsn), scrub(errors.New("cannot parse "+dsn), dsn).Error()} {
				if strings.Contains(shown, password) || (url.QueryEscape(password) != password && strings.Contains(shown, url.QueryEscape(password))) {
					t.Fatalf("password %q shown in %q (from %q)", password, shown, dsn)
				}
			}
		}
	})
}

// TestCheckpointer checks that SQLite's WAL is checkpointed in the background while events are appended,
// and stays bounded.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wal.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	content := strings.Repeat("x", 300)
	for b := 0; b < 40; b++ {
		batch := make([]plaudit.Event, 1000)
		for i := range batch {
			batch[i] = plaudit.Event{Source: plaudit.SourceX, ExternalID: fmt.Sprintf("%d-%d", b, i), Kind: plaudit.KindPost,
				Actor: "a", Content: content, Time: time.Unix(1_800_000_000, int64(i))}
		}
		if _, err := db.AppendEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	// The last kick may still be running; Close waits for it.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if n := db.checkpoints.Load(); n == 0 {
		t.Fatal("no background checkpoint ran")
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	// 40,000 events of ~350 bytes are ~14 MB of pages: a WAL that never restarted would hold them all.
	if err == nil && fi.Size() > 8<<20 {
		t.Fatalf("WAL grew to %d bytes: checkpoints are not keeping up", fi.Size())
	}
}
