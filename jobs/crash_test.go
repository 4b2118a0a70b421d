package jobs_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit/jobs"
)

// The crash child: a process that runs one epoch-close job slowly until the test kills it.
const (
	crashEnvDSN    = "PLAUDIT_JOBS_CRASH_DSN"
	crashEnvPrefix = "PLAUDIT_JOBS_CRASH_PREFIX"
	crashEnvMode   = "PLAUDIT_JOBS_CRASH_MODE" // "serve": Start and Trigger; "run": RunNow, as `plaudit job run`
	crashEpochs    = 6
	crashSlow      = 25 * time.Millisecond
)

func TestMain(m *testing.M) {
	if dsn := os.Getenv(crashEnvDSN); dsn != "" {
		crashChild(dsn, os.Getenv(crashEnvPrefix), os.Getenv(crashEnvMode))
		return
	}
	os.Exit(m.Run())
}

// crashConfig notices a dead worker 700 ms after its attempt began: attempts time out after 500 ms (a slowed
// close takes about 150 ms), and the leader rescues a job still running after 700 ms.
func crashConfig() jobs.Config {
	return jobs.Config{PollInterval: 20 * time.Millisecond, JobTimeout: 500 * time.Millisecond, RescueAfter: 700 * time.Millisecond,
		NoPeriodic: true, TestOnly: true, RetryDelay: 10 * time.Millisecond}
}

func crashChild(dsn, prefix, mode string) {
	ctx := context.Background()
	fail := func(err error) {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	st, err := openStoreErr(ctx, dsn)
	if err != nil {
		fail(err)
	}
	w := &storeWork{st: st, prefix: prefix, epochs: crashEpochs, slow: crashSlow, onWork: func() { fmt.Println("working") }}
	cfg := crashConfig()
	cfg.NoLeader = true // the leader is the next process, which must take over at once (see TestEpochCloseCrash)
	s, err := jobs.New(ctx, st, w, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		fail(err)
	}
	if mode == "run" {
		_, err := s.RunNow(ctx, jobs.KindEpochClose, nil)
		fail(fmt.Errorf("run finished before the kill: %v", err))
	}
	if err := s.Start(ctx); err != nil {
		fail(err)
	}
	if _, _, err := s.Trigger(ctx, jobs.KindEpochClose, nil); err != nil {
		fail(err)
	}
	time.Sleep(time.Minute)
	fail(fmt.Errorf("not killed"))
}

// TestEpochCloseCrash kills a process with SIGKILL in the middle of an epoch-close job, 20 times on each
// store, then starts a new scheduler as the next `plaudit serve` would: it must see the job as retried (or,
// for a one-shot `plaudit job run`, failed) and, run again, close each epoch exactly once. The work writes
// a marker event in the same transaction as each close, so an epoch closed twice would leave two.
//
// The killed process is never the leader: a dead leader's lease runs 15 s before another process may lead
// (river's elector), which would make this test take minutes. The new process takes over as leader at once
// and its rescuer runs on taking over.
func TestEpochCloseCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 40 processes; skipped with -short")
	}
	const runs = 20
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	backends(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := openStore(t, dsn)
		rng := rand.New(rand.NewPCG(seed, uint64(len(dsn))))
		outcomes := map[string]int{}
		start := time.Now()
		for i := 0; i < runs; i++ {
			prefix := fmt.Sprintf("crash%d", i)
			mode := "serve"
			if i%4 == 3 {
				mode = "run"
			}
			// The child, killed during its job.
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), crashEnvDSN+"="+dsn, crashEnvPrefix+"="+prefix, crashEnvMode+"="+mode)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			tChild := time.Now()
			lines := make(chan string, 4)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			select {
			case l := <-lines:
				if l != "working" {
					_ = cmd.Process.Kill()
					t.Fatalf("run %d: child said %q", i, l)
				}
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("run %d: child did not start its job", i)
			}
			time.Sleep(time.Duration(rng.Int64N(int64(crashEpochs * crashSlow * 5 / 4))))
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()

			// The next process.
			s := newScheduler(t, st, &storeWork{st: st, prefix: prefix, epochs: crashEpochs}, crashConfig(), false)
			killed, err := s.List(ctx, jobs.Filter{Kind: jobs.KindEpochClose, Limit: 1})
			if err != nil || len(killed) != 1 {
				t.Fatalf("run %d: the killed job: %v %v", i, killed, err)
			}
			j := killed[0]
			if j.Status == jobs.StatusRunning {
				// The rescuer takes a job for dead RescueAfter after its attempt began.
				time.Sleep(time.Until(j.Started.Add(crashConfig().RescueAfter + 50*time.Millisecond)))
			}
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			tRescue := time.Now()
			rescued := waitRescued(t, s, j.ID)
			if os.Getenv("PLAUDIT_JOBS_CRASH_TIMES") != "" {
				t.Logf("run %d: child worked after %s, rescued in %s", i, tRescue.Sub(tChild), time.Since(tRescue))
			}
			switch {
			case j.Status == jobs.StatusSucceeded:
				outcomes["finished before the kill"]++
			case rescued.Status != jobs.StatusFailed && len(rescued.Attempts) > 0 && rescued.Attempts[0].Attempt == 1:
				outcomes["rescued, retried"]++
				if mode != "serve" {
					t.Fatalf("run %d: a one-shot run was retried: %+v", i, rescued)
				}
			case rescued.Status == jobs.StatusFailed:
				outcomes["rescued as failed"]++
				if mode != "run" {
					t.Fatalf("run %d: a scheduled job failed for good: %+v", i, rescued)
				}
			default:
				t.Fatalf("run %d: after the kill the job is %+v", i, rescued)
			}

			// The work resumes: epoch-close runs (again, or anew) and finishes what the killed one began.
			for try := 0; ; try++ {
				id, _, err := s.Trigger(ctx, jobs.KindEpochClose, nil)
				if err != nil {
					t.Fatal(err)
				}
				if r := waitRun(t, s, id, true, 10*time.Second); r.Status == jobs.StatusSucceeded {
					break
				} else if try == 5 {
					t.Fatalf("run %d: epoch-close does not finish: %+v", i, r)
				}
			}
			m := markers(t, st, prefix+"-")
			if len(m) != crashEpochs {
				t.Fatalf("run %d: %d of %d epochs closed: %v", i, len(m), crashEpochs, m)
			}
			for k, n := range m {
				if n != 1 {
					t.Fatalf("run %d: %s closed %d times", i, k, n)
				}
			}
			stop, cancel := context.WithTimeout(ctx, 5*time.Second)
			if err := s.Stop(stop); err != nil {
				t.Fatal(err)
			}
			cancel()
		}
		t.Logf("%d kills in %s: %v", runs, time.Since(start).Round(time.Millisecond), outcomes)
	})
}

// waitRescued waits until the job id is no longer running, as the new leader's rescuer leaves it.
func waitRescued(t *testing.T, s *jobs.Scheduler, id int64) *jobs.Run {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := s.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != jobs.StatusRunning || r.Attempt > 1 {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d still running 10 s after its worker was killed: %+v", id, r)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
