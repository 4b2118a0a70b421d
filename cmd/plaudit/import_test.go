package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/sqlstore"
)

// importGood and importBad are a file of two good events and one of a good event and a bad line.
const (
	importGood = `{"source":"api","id":"r1","kind":"post","actor":"alice","content":"hello","time":"2024-05-01T12:00:00Z"}
{"source":"api","id":"r2","kind":"like","actor":"bob","target":"r1","target_author":"alice","time":"2024-05-01T12:01:00Z"}
`
	importBad = `{"source":"api","id":"r3","kind":"post","actor":"carol","content":"hi","time":"2024-05-02T12:00:00Z"}
{"source":"api","id":"r4","kind":"liek","actor":"dave","time":"2024-05-02T12:01:00Z"}
`
)

// TestImportRejectsPathRefused checks that `plaudit import --skip-invalid --rejects PATH` refuses, with exit
// status 2 and before touching anything, a PATH that is the input file or a file of the store, and that the
// input and the store survive; and that a good rejects path is replaced whole, through a temporary file.
func TestImportRejectsPathRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "store.db")
	good := filepath.Join(dir, "good.jsonl")
	bad := filepath.Join(dir, "bad.jsonl")
	for p, s := range map[string]string{good: importGood, bad: importBad} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, errOut, code := run(t, bin, "--db", db, "import", good); code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	count := func() int64 {
		t.Helper()
		st, err := sqlstore.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		s, err := st.EventStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return s.Total
	}
	if n := count(); n != 2 {
		t.Fatalf("store holds %d events, want 2", n)
	}
	storeBytes, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bad, filepath.Join(dir, "link.jsonl")); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, db, rejects, want string
	}{
		{"the input", db, bad, "is the input file"},
		{"the input by another path", db, filepath.Join(sub, "..", "bad.jsonl"), "is the input file"},
		{"a link to the input", db, filepath.Join(dir, "link.jsonl"), "is the input file"},
		{"the store", db, db, "is a file of the store"},
		{"the store's WAL", db, db + "-wal", "is a file of the store"},
		{"the store's shared memory", db, db + "-shm", "is a file of the store"},
		{"the store's migration lock", db, db + ".lock", "is a file of the store"},
		{"a store not made yet", filepath.Join(dir, "new.db"), filepath.Join(dir, "new.db"), "is a file of the store"},
		{"a store given as a URI", "file:" + db + "?mode=rwc", db, "is a file of the store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, bin, "--db", tc.db, "import", "--skip-invalid", "--rejects", tc.rejects, bad)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q (stdout %q)", code, errOut, tc.want, out)
			}
			if got, err := os.ReadFile(bad); err != nil || string(got) != importBad {
				t.Fatalf("the input file changed: %q, %v", got, err)
			}
			if got, err := os.ReadFile(db); err != nil || !bytes.Equal(got, storeBytes) {
				t.Fatalf("the store file changed (%v)", err)
			}
			if n := count(); n != 2 {
				t.Fatalf("store holds %d events, want 2", n)
			}
			if _, err := os.Stat(filepath.Join(dir, "new.db")); err == nil {
				t.Fatal("a refused import created its store")
			}
		})
	}

	// A good path: an old rejects file is replaced whole, and no temporary file is left.
	rejects := filepath.Join(dir, "rejects.jsonl")
	if err := os.WriteFile(rejects, []byte(strings.Repeat("old line\n", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, bin, "--db", db, "import", "--skip-invalid", "--rejects", rejects, bad)
	if code != 0 || !strings.HasSuffix(out, "imported 1 new, 0 duplicate, 1 rejected\n") {
		t.Fatalf("import --skip-invalid: exit %d\n%s%s", code, out, errOut)
	}
	got, err := os.ReadFile(rejects)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(got)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], `"line":2`) {
		t.Fatalf("rejects file holds %q, want the one reject of line 2", got)
	}
	leftovers, _ := filepath.Glob(rejects + ".tmp-*")
	if len(leftovers) != 0 {
		t.Fatalf("temporary rejects files left: %q", leftovers)
	}
	// Nothing rejected: the old rejects file, which would describe the earlier run, goes.
	if out, errOut, code := run(t, bin, "--db", db, "import", "--skip-invalid", "--rejects", rejects, good); code != 0 {
		t.Fatalf("import --skip-invalid: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(rejects); !os.IsNotExist(err) {
		t.Fatalf("the old rejects file is still there after a clean import (%v)", err)
	}
}
