package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestImportCrash is the acceptance test of `plaudit import`'s crash safety: it kills the real binary with
// SIGKILL at a random moment of an import, runs the same import again, and checks that the store holds
// exactly the file's events — none lost, none twice — against SQLite and PostgreSQL, 20 times each.
func TestImportCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary and imports 800,000 events; skipped with -short")
	}
	bin := plauditBin(t)
	const n = 20_000
	file := writeEvents(t, n)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)

	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel() // the two backends overlap: much of PostgreSQL's time is spent in its server
			rng := rand.New(rand.NewPCG(seed, uint64(len(backend))))
			newDSN := func() string {
				if backend == "postgres" {
					return testenv.Postgres(t)
				}
				return filepath.Join(t.TempDir(), "plaudit.db")
			}
			// How long a whole import takes here, so that kills land anywhere in it, from start-up to the
			// last commit.
			start := time.Now()
			if res, err := importCounts(bin, newDSN(), file, crashFlags...); err != nil || res != [3]int{n, 0, 0} {
				t.Fatalf("clean import: %v %v", res, err)
			}
			full := time.Since(start)
			t.Logf("a whole import takes %s", full.Round(time.Millisecond))

			const runs, lanes = 20, 2 // two runs at a time: much of a run is waiting for the database
			dsns, delays := make([]string, runs), make([]time.Duration, runs)
			for i := range runs {
				dsns[i] = newDSN()
				// Even runs: anywhere in the run, start-up and migrations included. Odd runs: in its last
				// 70%, where batches are being committed.
				delays[i] = time.Duration(rng.Int64N(int64(full)))
				if i%2 == 1 {
					delays[i] = full*3/10 + time.Duration(rng.Int64N(int64(full)*7/10))
				}
			}
			var mu sync.Mutex
			var wg sync.WaitGroup
			killedMidway := 0
			next := 0
			for range lanes {
				wg.Go(func() {
					for {
						mu.Lock()
						i := next
						next++
						mu.Unlock()
						if i >= runs {
							return
						}
						midway, err := crashAndResume(bin, dsns[i], file, n, delays[i])
						mu.Lock()
						if err != nil {
							t.Errorf("run %d (killed after %s): %v", i, delays[i], err)
						} else if midway {
							killedMidway++
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			t.Logf("%d of %d kills landed after some batches were committed", killedMidway, runs)
		})
	}
}

// crashFlags make the imports that are killed commit in small steps, so that kills land between commits as
// well as within them.
var crashFlags = []string{"--batch", "1000", "--commit-every", "3000"}

// crashAndResume starts an import into dsn, kills it with SIGKILL after delay, runs the import again to the
// end and checks the store. It reports whether the kill landed after some batches were committed.
func crashAndResume(bin, dsn, file string, n int, delay time.Duration) (bool, error) {
	cmd := exec.Command(bin, append([]string{"--db", dsn, "import", file}, crashFlags...)...)
	if err := cmd.Start(); err != nil {
		return false, err
	}
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGKILL)
	killed := cmd.Wait() != nil
	res, err := importCounts(bin, dsn, file)
	if err != nil {
		return false, err
	}
	if res[0]+res[1] != n || res[2] != 0 {
		return false, fmt.Errorf("second import %v, want %d new + duplicate and 0 rejected", res, n)
	}
	return killed && res[1] > 0, checkStore(dsn, n)
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

// plauditBin returns the path of the plaudit binary, built once for the package's tests (or
// $PLAUDIT_TEST_BIN, a binary built already).
func plauditBin(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("PLAUDIT_TEST_BIN"); bin != "" {
		return bin
	}
	root := testenv.RepoRoot(t)
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "plaudit-ingest-test-")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "plaudit")
		build := exec.Command("go", "build", "-o", builtBin, "./cmd/plaudit")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/plaudit: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// TestImportCommand checks the command's contract: a bad file is refused whole with every bad line named,
// exit code 2 and the summary line, and nothing written; standard input works; a second import is all
// duplicates.
func TestImportCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := plauditBin(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "plaudit.db")
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"source":"api","id":"a","kind":"post","actor":"x","time":"2024-05-01T12:00:00Z"}
{"source":"api","id":"b","kind":"liek","actor":"x","time":"2024-05-01T12:00:00Z"}
{"source":"api","id":"c","kind":"post","actor":"x","time":7}
`), 0o644)
	cmd := exec.Command(bin, "--db", db, "import", bad)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v\n%s", err, stderr.Bytes())
	}
	if stdout.String() != "imported 0 new, 0 duplicate, 2 rejected\n" {
		t.Fatalf("stdout %q", stdout.String())
	}
	for _, want := range []string{`line 2: id "b": field kind: unknown kind "liek"`, `line 3: id "c": field time: want an RFC3339 string, got number`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if _, err := os.Stat(db); err == nil {
		if err := checkStore(db, 0); err != nil {
			t.Fatal(err)
		}
	}

	// Standard input, CSV.
	csv := "source,id,kind,actor,time,attrs.n\napi,a,post,x,2024-05-01T12:00:00Z,1\napi,b,like,y,2024-05-01T12:00:00Z,\n"
	for i, want := range []string{"imported 2 new, 0 duplicate, 0 rejected\n", "imported 0 new, 2 duplicate, 0 rejected\n"} {
		cmd = exec.Command(bin, "--db", db, "import", "--format", "csv", "-")
		cmd.Stdin = strings.NewReader(csv)
		out, err := cmd.Output()
		if err != nil || string(out) != want {
			t.Fatalf("stdin import %d: %q, %v", i+1, out, err)
		}
	}
}

var summary = regexp.MustCompile(`(?m)^imported (\d+) new, (\d+) duplicate, (\d+) rejected$`)

// importCounts runs a whole import and returns its counts from the summary line, which must be the last
// line of standard output.
func importCounts(bin, dsn, file string, flags ...string) ([3]int, error) {
	var res [3]int
	cmd := exec.Command(bin, append([]string{"--db", dsn, "import", file}, flags...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return res, fmt.Errorf("plaudit import: %v\n%s%s", err, out, stderr.Bytes())
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	m := summary.FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		return res, fmt.Errorf("last line of output is not the summary: %q", out)
	}
	for i := range res {
		res[i], _ = strconv.Atoi(m[i+1])
	}
	return res, nil
}

// checkStore checks that the store at dsn holds exactly events 0…n-1 of writeEvents, each once, in
// ascending seq.
func checkStore(dsn string, n int) error {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	seen := make([]bool, n)
	count := 0
	var last int64
	err = db.ScanEvents(ctx, plaudit.EventFilter{}, func(e *plaudit.Event) error {
		i, err := strconv.Atoi(e.ExternalID)
		if e.Source != "x" || err != nil || i < 0 || i >= n {
			return fmt.Errorf("event %s is not from the file", e.Key())
		}
		if seen[i] {
			return fmt.Errorf("event %s stored twice", e.Key())
		}
		if e.Seq <= last {
			return fmt.Errorf("seq %d after %d", e.Seq, last)
		}
		if want := fmt.Sprintf("u%d", i%97); e.Actor != want {
			return fmt.Errorf("event %s: actor %q, want %q", e.Key(), e.Actor, want)
		}
		seen[i], last = true, e.Seq
		count++
		return nil
	})
	if err != nil {
		return err
	}
	if count != n {
		return fmt.Errorf("store holds %d events, want %d", count, n)
	}
	return nil
}

func init() {
	// The binary must not pick up a developer's database from the environment.
	os.Unsetenv("PLAUDIT_DATABASE_URL")
}
