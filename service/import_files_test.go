package service_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/service"
)

const (
	importGood = `{"source":"api","id":"r1","kind":"post","actor":"alice","content":"hello","time":"2024-05-01T12:00:00Z"}
{"source":"api","id":"r2","kind":"like","actor":"bob","target":"r1","target_author":"alice","time":"2024-05-01T12:01:00Z"}
`
	importBad = `{"source":"api","id":"r3","kind":"post","actor":"carol","content":"hi","time":"2024-05-02T12:00:00Z"}
{"source":"api","id":"r4","kind":"liek","actor":"dave","time":"2024-05-02T12:01:00Z"}
`
)

// TestImportFile imports files into both stores: a good file, again (duplicates), a file with a bad line
// (refused whole, the bad line reported, nothing stored), and the same file skipping the bad line (the good
// one stored, the bad one in the rejects file, which a clean import then removes).
func TestImportFile(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		ctx := context.Background()
		svc := newService(st)
		dir := t.TempDir()
		good, bad := filepath.Join(dir, "good.jsonl"), filepath.Join(dir, "bad.jsonl")
		for p, s := range map[string]string{good: importGood, bad: importBad} {
			if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		total := func() int64 {
			t.Helper()
			s, err := st.EventStats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return s.Total
		}

		res, err := svc.ImportFile(ctx, service.ImportRequest{Path: good, Format: eventio.JSONL})
		if err != nil || res.String() != "imported 2 new, 0 duplicate, 0 rejected" {
			t.Fatalf("import good: %v, %v", res, err)
		}
		res, err = svc.ImportFile(ctx, service.ImportRequest{Path: good, Format: eventio.JSONL})
		if err != nil || res.String() != "imported 0 new, 2 duplicate, 0 rejected" {
			t.Fatalf("import good again: %v, %v", res, err)
		}

		var reported []string
		res, err = svc.ImportFile(ctx, service.ImportRequest{Path: bad, Name: "bad", Format: eventio.JSONL,
			OnBad: func(fe *plaudit.FieldError) { reported = append(reported, fe.Error()) }})
		if plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(err.Error(), "bad: 1 bad lines") {
			t.Fatalf("import bad: error %v, want EINVALID naming the bad line", err)
		}
		if res == nil || !res.Refused || res.Rejected != 1 || res.New != 0 {
			t.Fatalf("import bad: result %+v, want refused with 1 rejected", res)
		}
		if len(reported) != 1 || !strings.Contains(reported[0], "liek") {
			t.Fatalf("import bad: reported %q, want the line with kind liek", reported)
		}
		if n := total(); n != 2 {
			t.Fatalf("after a refused import the store holds %d events, want 2", n)
		}

		rejects := filepath.Join(dir, "bad.rejects.jsonl")
		res, err = svc.ImportFile(ctx, service.ImportRequest{Path: bad, Format: eventio.JSONL, SkipInvalid: true, Rejects: rejects})
		if err != nil || res.String() != "imported 1 new, 0 duplicate, 1 rejected" || !res.RejectsWritten {
			t.Fatalf("import bad skipping: %+v, %v", res, err)
		}
		if b, err := os.ReadFile(rejects); err != nil || !strings.Contains(string(b), `"line":2`) {
			t.Fatalf("rejects file: %q, %v", b, err)
		}
		if n := total(); n != 3 {
			t.Fatalf("store holds %d events, want 3", n)
		}
		res, err = svc.ImportFile(ctx, service.ImportRequest{Path: good, Format: eventio.JSONL, SkipInvalid: true, Rejects: rejects})
		if err != nil || res.RejectsWritten {
			t.Fatalf("clean import skipping: %+v, %v", res, err)
		}
		if _, err := os.Stat(rejects); !os.IsNotExist(err) {
			t.Fatalf("a clean import left the old rejects file: %v", err)
		}

		if _, err := svc.ImportFile(ctx, service.ImportRequest{Path: filepath.Join(dir, "missing.jsonl"), Format: eventio.JSONL}); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("import of a missing file: %v, want EINVALID", err)
		}
	})
}

// TestCheckRejectsPath: a rejects path naming the input or a file of the store is refused, another is not.
func TestCheckRejectsPath(t *testing.T) {
	dir := t.TempDir()
	in, db := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "store.db")
	for _, p := range []string{in, db} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files := []string{db, db + "-wal"}
	for _, tc := range []struct {
		rejects, want string
	}{
		{in, "is the input file"},
		{filepath.Join(dir, "sub", "..", "in.jsonl"), "is the input file"},
		{db, "is a file of the store"},
		{db + "-wal", "is a file of the store"},
		{filepath.Join(dir, "in.jsonl.rejects.jsonl"), ""},
	} {
		err := service.CheckRejectsPath(tc.rejects, in, db, files)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.rejects, err)
			}
			continue
		}
		if plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want EINVALID %q", tc.rejects, err, tc.want)
		}
	}
	if got := service.DefaultRejectsPath("-"); got != "stdin.rejects.jsonl" {
		t.Errorf("DefaultRejectsPath(-) = %s", got)
	}
	if f, err := service.ImportFormat("", "-"); err != nil || f != eventio.JSONL {
		t.Errorf("ImportFormat for stdin: %v, %v", f, err)
	}
}
