package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/sqlstore"
)

// servedProcess is a `plaudit serve` started by a test, with a channel that receives each line of its
// standard error that matches one of the watched words.
type servedProcess struct {
	cmd    *exec.Cmd
	lines  chan string
	output *strings.Builder
	done   chan struct{}
}

func startServe(t *testing.T, bin, cfgPath string, env ...string) *servedProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--config", cfgPath)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &servedProcess{cmd: cmd, lines: make(chan string, 1024), output: &strings.Builder{}, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.output.WriteString(line + "\n")
			select {
			case p.lines <- line:
			default:
			}
		}
	}()
	return p
}

// waitFor waits for a line of the process's log that contains every one of words.
func (p *servedProcess) waitFor(t *testing.T, timeout time.Duration, words ...string) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line := <-p.lines:
			ok := true
			for _, w := range words {
				ok = ok && strings.Contains(line, w)
			}
			if ok {
				return line
			}
		case <-p.done:
			t.Fatalf("plaudit serve ended before logging %q:\n%s", words, p.output)
		case <-deadline:
			t.Fatalf("plaudit serve did not log %q in %s:\n%s", words, timeout, p.output)
		}
	}
}

// closeLedger checks what the crash test promises after every kill: the closed epochs of program crash are
// the ones from its first epoch on, in order with no gap, each with all of its allocations and at least one
// posting, and no epoch that is not closed has a posting; an epoch seen closed before (in seen) has the same
// postings as then, so that nothing was closed twice. It returns how many are closed.
func closeLedger(t *testing.T, st *sqlstore.DB, when string, seen map[string]int) int {
	t.Helper()
	ctx := context.Background()
	eps, err := st.Epochs(ctx, "crash")
	if err != nil {
		t.Fatal(err)
	}
	closed := map[string]bool{}
	for i, ep := range eps {
		closed[ep.ID] = true
		if want := plaudit.EpochID("crash", crashMonday.Add(time.Duration(i)*7*24*time.Hour)); ep.ID != want {
			t.Fatalf("%s: closed epoch %d is %s, want %s: epochs must close in order", when, i, ep.ID, want)
		}
		allocs, err := readAllocations(ctx, st, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := st.Postings(ctx, plaudit.PostingFilter{Origin: plaudit.OriginEpoch + ":" + ep.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(allocs) != ep.Members || len(ps) == 0 {
			t.Fatalf("%s: epoch %s has %d of %d allocations and %d postings", when, ep.ID, len(allocs), ep.Members, len(ps))
		}
		if n, ok := seen[ep.ID]; ok && n != len(ps) {
			t.Fatalf("%s: epoch %s had %d postings and now has %d: closed twice", when, ep.ID, n, len(ps))
		}
		seen[ep.ID] = len(ps)
	}
	ps, err := st.Postings(ctx, plaudit.PostingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Origin.Kind == plaudit.OriginEpoch && !closed[p.Origin.ID] {
			t.Fatalf("%s: posting %d belongs to epoch %s, which is not closed", when, p.ID, p.Origin.ID)
		}
	}
	return len(eps)
}

// TestServeEpochCloseJobCrash is the acceptance test of the scheduled epoch-close job: it starts `plaudit
// serve` on a store whose program has some 150 weeks to close, and stops it 20 times on each store while the
// job is closing them (SIGKILL, and every fifth time SIGTERM, which must exit 0 within the grace period).
// After each stop the ledger holds whole epochs only, in order; the next `plaudit serve` takes the killed
// job back at once (its process is gone) and resumes; at the end every ended epoch is closed exactly once
// and verifies.
func TestServeEpochCloseJobCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary and kills plaudit serve 40 times; skipped with -short")
	}
	bin := epochTestBin(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dsn := filepath.Join(dir, "plaudit.db")
			if backend == "postgres" {
				dsn = testenv.Postgres(t)
			}
			prepareCrashStore(t, dsn, 30, 6)
			st, err := sqlstore.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			// Every week from crashMonday to the last that ended a second ago.
			var want int
			for w := crashMonday; !w.Add(7*24*time.Hour + time.Second).After(time.Now()); w = w.Add(7 * 24 * time.Hour) {
				want++
			}
			cfgPath := filepath.Join(dir, "serve.yml")
			// writeConfig points serve at the store; on PostgreSQL under an application name of its own, so
			// that the test can wait for a killed server's sessions to end.
			writeConfig := func(app string) {
				t.Helper()
				store := dsn
				if backend == "postgres" {
					store += "&application_name=" + app
				}
				cfg := fmt.Sprintf("store: %q\nlisten: 127.0.0.1:0\nshutdown_grace: 1s\njobs:\n  score_every: 1h\n  integrity_every: 1h\n  epoch_close_grace: 1s\n  job_timeout: 2m\n  rescue_after: 3m\n", store)
				if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			rng := rand.New(rand.NewPCG(seed, uint64(len(backend))))
			outcomes := map[string]int{}
			seen := map[string]int{}
			for run := 1; run <= 20; run++ {
				before := closeLedger(t, st, fmt.Sprintf("before run %d", run), seen)
				if before == want {
					t.Fatalf("run %d: every epoch is closed already: the job has no work left to be killed in (closes are too fast)", run)
				}
				app := fmt.Sprintf("plaudit-serve-crash-%d-%d", seed%100000, run)
				writeConfig(app)
				p := startServe(t, bin, cfgPath, "PLAUDIT_TEST_SLOW_CLOSE=40ms")
				if run > 1 && (run-1)%5 != 0 {
					// The last server was killed inside the job: this one takes it back at once.
					p.waitFor(t, time.Minute, "rescued", "epoch-close")
				}
				p.waitFor(t, time.Minute, "job started", "kind=epoch-close")
				time.Sleep(time.Duration(200+rng.IntN(800)) * time.Millisecond)
				if run%5 == 0 {
					_ = p.cmd.Process.Signal(syscall.SIGTERM)
					err := p.cmd.Wait()
					<-p.done
					if err != nil {
						t.Fatalf("run %d: plaudit serve after SIGTERM: %v\n%s", run, err, p.output)
					}
					outcomes["SIGTERM, exit 0"]++
				} else {
					_ = p.cmd.Process.Signal(syscall.SIGKILL)
					_ = p.cmd.Wait()
					<-p.done
					outcomes["SIGKILL"]++
				}
				if backend == "postgres" {
					waitGone(t, st, app)
				}
				after := closeLedger(t, st, fmt.Sprintf("after run %d", run), seen)
				if after < before {
					t.Fatalf("run %d: %d epochs closed before, %d after", run, before, after)
				}
				t.Logf("run %d: %d → %d epochs closed", run, before, after)
			}
			// The last run finishes the work.
			writeConfig(fmt.Sprintf("plaudit-serve-crash-%d-final", seed%100000))
			p := startServe(t, bin, cfgPath)
			p.waitFor(t, 3*time.Minute, "job succeeded", "kind=epoch-close")
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			if err := p.cmd.Wait(); err != nil {
				t.Fatalf("final plaudit serve: %v\n%s", err, p.output)
			}
			if got := closeLedger(t, st, "at the end", seen); got != want {
				t.Fatalf("at the end %d epochs are closed, want %d", got, want)
			}
			for _, w := range []int{0, 5} {
				id := plaudit.EpochID("crash", crashMonday.Add(time.Duration(w)*7*24*time.Hour))
				if out, errOut, code := run(t, bin, "--db", dsn, "verify", id); code != 0 || !strings.HasPrefix(out, "verified "+id) {
					t.Fatalf("verify %s: %d %s%s", id, code, out, errOut)
				}
			}
			out, _, _ := run(t, bin, "--db", dsn, "job", "list", "--kind", "epoch-close", "--limit", "100")
			if !strings.Contains(out, "succeeded") {
				t.Fatalf("job list:\n%s", out)
			}
			t.Logf("%s: %v; %d epochs closed once each", backend, outcomes, want)
		})
	}
}
