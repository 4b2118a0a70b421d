package sqlstore_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/plaudit/plaudit/sqlstore"
)

// openChildEnv carries the SQLite path to the child process of TestConcurrentOpenProcesses.
const openChildEnv = "PLAUDIT_STORE_OPEN_CHILD_PATH"

// concurrentOpenRounds is how many pairs of opens of a fresh file the concurrent-open tests race.
const concurrentOpenRounds = 20

// TestOpenChild is not a test: it is the child process of TestConcurrentOpenProcesses. It says "ready",
// waits for a line on standard input, opens the store at $PLAUDIT_STORE_OPEN_CHILD_PATH and says "ok", or
// "error" and the error.
func TestOpenChild(t *testing.T) {
	path := os.Getenv(openChildEnv)
	if path == "" {
		t.Skip("the child process of TestConcurrentOpenProcesses")
	}
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fmt.Println("error", "reading the start signal:", err)
		os.Exit(3)
	}
	db, err := sqlstore.Open(context.Background(), path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	if err := db.Close(); err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	fmt.Println("ok")
	os.Exit(0)
}

// sqliteSchema describes the schema of the SQLite file at path: every table, index, view and trigger with
// its SQL, and the migrations goose recorded as applied.
func sqliteSchema(t *testing.T, path string) string {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("reopen %s: %v", path, err)
	}
	defer db.Close()
	var b strings.Builder
	rows, err := db.SQL().Query("SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var typ, name, sql string
		if err := rows.Scan(&typ, &name, &sql); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s: %s\n", typ, name, sql)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows, err = db.SQL().Query("SELECT version_id, count(*) FROM goose_db_version WHERE is_applied GROUP BY version_id ORDER BY version_id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v, n int64
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "migration %d applied %d times\n", v, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// referenceSchema is the schema of a SQLite store migrated by one process alone.
func referenceSchema(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "reference.db")
	db, err := sqlstore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := sqliteSchema(t, path)
	if !strings.Contains(s, "table events:") || !strings.Contains(s, "migration 1 applied 1 times") {
		t.Fatalf("the reference schema lacks the events table or migration 1:\n%s", s)
	}
	return s
}

// startOpenChild starts a child process that opens path when told, and waits until it is ready.
func startOpenChild(t *testing.T, path string) (cmd *exec.Cmd, start io.WriteCloser, out *bufio.Reader) {
	t.Helper()
	cmd = exec.Command(os.Args[0], "-test.run=^TestOpenChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), openChildEnv+"="+path)
	cmd.Stderr = os.Stderr
	start, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out = bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if err != nil || line != "ready\n" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("child did not get ready: %q, %v", line, err)
	}
	return cmd, start, out
}

// TestConcurrentOpenProcesses opens each of 20 fresh SQLite files from two processes at once: both must
// succeed, and the schema must be the one a single process makes, every migration applied once. Without a
// lock around the migrations most pairs fail with "table events already exists".
func TestConcurrentOpenProcesses(t *testing.T) {
	if os.Getenv(openChildEnv) != "" {
		t.Skip("in the child")
	}
	want := referenceSchema(t)
	dir := t.TempDir()
	failed := 0
	for round := range concurrentOpenRounds {
		path := filepath.Join(dir, fmt.Sprintf("race%02d.db", round))
		var cmds [2]*exec.Cmd
		var starts [2]io.WriteCloser
		var outs [2]*bufio.Reader
		for i := range cmds {
			cmds[i], starts[i], outs[i] = startOpenChild(t, path)
		}
		for _, s := range starts {
			if _, err := io.WriteString(s, "go\n"); err != nil {
				t.Fatal(err)
			}
		}
		var errs []string
		for i, cmd := range cmds {
			rest, _ := io.ReadAll(outs[i])
			err := cmd.Wait()
			if err != nil || strings.TrimSpace(string(rest)) != "ok" {
				errs = append(errs, fmt.Sprintf("process %d: %v: %s", i, err, strings.TrimSpace(string(rest))))
			}
		}
		if len(errs) > 0 {
			failed++
			t.Errorf("round %d: %s", round, strings.Join(errs, "; "))
			continue
		}
		if got := sqliteSchema(t, path); got != want {
			failed++
			t.Errorf("round %d: schema after two concurrent opens differs from a single open's:\n%s\nwant:\n%s", round, got, want)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d pairs of concurrent opens failed", failed, concurrentOpenRounds)
	}
}

// TestConcurrentOpenGoroutines is TestConcurrentOpenProcesses with two goroutines of one process.
func TestConcurrentOpenGoroutines(t *testing.T) {
	want := referenceSchema(t)
	dir := t.TempDir()
	failed := 0
	for round := range concurrentOpenRounds {
		path := filepath.Join(dir, fmt.Sprintf("race%02d.db", round))
		var wg sync.WaitGroup
		ready := make(chan struct{})
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-ready
				db, err := sqlstore.Open(context.Background(), path)
				if err == nil {
					err = db.Close()
				}
				errs[i] = err
			}()
		}
		close(ready)
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			failed++
			t.Errorf("round %d: %v; %v", round, errs[0], errs[1])
			continue
		}
		if got := sqliteSchema(t, path); got != want {
			failed++
			t.Errorf("round %d: schema after two concurrent opens differs from a single open's:\n%s\nwant:\n%s", round, got, want)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d pairs of concurrent opens failed", failed, concurrentOpenRounds)
	}
}
