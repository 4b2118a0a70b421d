package sqlstore_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/sqlstore"
)

// crashChildEnv carries the DSN to the child process of TestCrashSafety.
const crashChildEnv = "PLAUDIT_STORE_CRASH_CHILD_DSN"

const (
	crashEvents = 20_000
	crashBatch  = 500
	crashRounds = 20 // per database
)

// crashEvent is event i of the deterministic list the child appends.
func crashEvent(i int) plaudit.Event {
	return plaudit.Event{
		Source:     []plaudit.Source{plaudit.SourceX, plaudit.SourceGitHub, plaudit.SourceFarcaster}[i%3],
		ExternalID: "c" + strconv.Itoa(i),
		Kind:       plaudit.KindComment,
		Actor:      "a" + strconv.Itoa(i%97),
		Target:     "t" + strconv.Itoa(i/10),
		Content:    strings.Repeat("crash-safe ", 1+i%20) + strconv.Itoa(i),
		Time:       time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
		Attrs:      map[string]any{"i": json.Number(strconv.Itoa(i)), "even": i%2 == 0},
	}
}

// TestCrashChild is not a test: it is the child process of TestCrashSafety. It appends the whole list in
// batches to the store in $PLAUDIT_STORE_CRASH_CHILD_DSN and prints, after each batch commits, the batch's
// first index and the seq of each of its events; then "done".
func TestCrashChild(t *testing.T) {
	dsn := os.Getenv(crashChildEnv)
	if dsn == "" {
		t.Skip("the child process of TestCrashSafety")
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, "open")
	out.Flush()
	batch := make([]plaudit.Event, 0, crashBatch)
	for start := 0; start < crashEvents; start += crashBatch {
		batch = batch[:0]
		for i := start; i < start+crashBatch; i++ {
			batch = append(batch, crashEvent(i))
		}
		res, err := db.AppendEvents(ctx, batch)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(3)
		}
		fmt.Fprint(out, "batch ", start)
		for _, r := range res {
			fmt.Fprint(out, " ", r.Seq)
		}
		fmt.Fprintln(out)
		out.Flush()
	}
	fmt.Fprintln(out, "done")
	out.Flush()
	db.Close()
	os.Exit(0)
}

// childRun is what one child process reported before it ended.
type childRun struct {
	opened, done bool
	seqs         map[int]int64 // event index → seq, for the batches it saw committed
	killed       bool
	took         time.Duration
}

// killPlan says when runChild kills the child: after it has reported afterBatches committed batches plus
// delay, or, with afterBatches < 0, delay after it started (which lands in start-up or migrations). A zero
// plan lets the child finish.
type killPlan struct {
	afterBatches int
	delay        time.Duration
}

// runChild runs the child against dsn and kills it with SIGKILL as plan says.
func runChild(t *testing.T, dsn string, plan *killPlan) childRun {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dsn)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	kill := func() { _ = cmd.Process.Signal(syscall.SIGKILL) }
	var timer *time.Timer
	if plan != nil && plan.afterBatches < 0 {
		timer = time.AfterFunc(plan.delay, kill)
	}
	run := childRun{seqs: map[int]int64{}}
	batches := 0
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 0:
		case f[0] == "open":
			run.opened = true
		case f[0] == "done":
			run.done = true
		case f[0] == "error":
			t.Fatalf("child: %s", sc.Text())
		case f[0] == "batch" && len(f) == 2+crashBatch:
			first, _ := strconv.Atoi(f[1])
			for j, s := range f[2:] {
				seq, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					t.Fatalf("child line %q: %v", sc.Text(), err)
				}
				run.seqs[first+j] = seq
			}
			batches++
		case f[0] == "batch":
			// A line cut off by the kill: the batch committed, but we cannot tell its seqs.
		}
		if plan != nil && plan.afterBatches >= 0 && batches == plan.afterBatches && timer == nil && run.opened {
			timer = time.AfterFunc(plan.delay, kill)
		}
	}
	if timer != nil {
		timer.Stop()
	}
	_, _ = io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	run.took = time.Since(start)
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ProcessState.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL:
		run.killed = true
	default:
		t.Fatalf("child: %v", err)
	}
	return run
}

// TestCrashSafety kills a process in the middle of appending, many times, and checks that the store is
// consistent after a rerun: every event once, none lost, none twice, and every batch the killed process saw
// committed still there with the seqs it was told. SQLite and PostgreSQL run side by side.
func TestCrashSafety(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("in the child")
	}
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		crashLoop(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "crash.db") }, nil)
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		testenv.Postgres(t) // skip at once without a server
		// A fresh schema costs a round of migrations, which is slow on a busy server: rounds that do not
		// kill during start-up reuse the last schema, emptied.
		crashLoop(t, func(t *testing.T) string { return testenv.Postgres(t) }, func(t *testing.T, dsn string) {
			db, err := sqlstore.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.SQL().Exec("TRUNCATE events RESTART IDENTITY"); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// crashLoop runs the rounds, each on a fresh store from newDSN or, when empty is not nil and the round does
// not kill the child in its start-up, on the last store emptied by empty.
func crashLoop(t *testing.T, newDSN func(t *testing.T) string, empty func(t *testing.T, dsn string)) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	midImport := 0
	var dsn string
	for round := 0; round < crashRounds; round++ {
		// Most kills land after a random number of committed batches and a random part of the next one;
		// every fifth lands in the child's start-up, when it may be creating the schema.
		plan := &killPlan{afterBatches: rng.IntN(crashEvents / crashBatch), delay: time.Duration(rng.Int64N(int64(15 * time.Millisecond)))}
		if round%5 == 0 {
			plan = &killPlan{afterBatches: -1, delay: time.Duration(rng.Int64N(int64(300 * time.Millisecond)))}
		}
		if empty != nil && plan.afterBatches >= 0 && dsn != "" {
			empty(t, dsn)
		} else {
			dsn = newDSN(t)
		}
		first := runChild(t, dsn, plan)
		if first.killed && first.opened && !first.done {
			midImport++
		}
		second := runChild(t, dsn, nil)
		if !second.done {
			t.Fatalf("round %d: the rerun did not finish", round)
		}
		// The rerun must find every batch the first run saw committed, as it was.
		for i, seq := range first.seqs {
			if second.seqs[i] != seq {
				t.Fatalf("round %d: event %d committed with seq %d, the rerun found seq %d", round, i, seq, second.seqs[i])
			}
		}
		verifyCrashStore(t, dsn, first.seqs)
		t.Logf("round %d: plan %+v: killed %v, opened %v, %d events committed; rerun took %v",
			round, *plan, first.killed, first.opened, len(first.seqs), second.took.Round(time.Millisecond))
	}
	if midImport < crashRounds/2 {
		t.Fatalf("only %d of %d kills landed in the middle of an import: the test proved too little", midImport, crashRounds)
	}
	t.Logf("%d of %d kills landed in the middle of an import", midImport, crashRounds)
}

// verifyCrashStore checks that the store holds exactly the list, in order, once each, and that the events
// in committed kept their seqs.
func verifyCrashStore(t *testing.T, dsn string, committed map[int]int64) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	i := 0
	var last int64
	err = db.ScanEvents(ctx, plaudit.EventFilter{}, func(e *plaudit.Event) error {
		if i >= crashEvents {
			return fmt.Errorf("more than %d events: %s", crashEvents, e.Key())
		}
		want := crashEvent(i)
		want.Seq = e.Seq
		gb, _ := json.Marshal(e)
		wb, _ := json.Marshal(want)
		if string(gb) != string(wb) {
			return fmt.Errorf("event %d:\n got %s\nwant %s", i, gb, wb)
		}
		if e.Seq <= last {
			return fmt.Errorf("event %d: seq %d after %d", i, e.Seq, last)
		}
		if seq, ok := committed[i]; ok && seq != e.Seq {
			return fmt.Errorf("event %d: committed as seq %d, stored as %d", i, seq, e.Seq)
		}
		last = e.Seq
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if i != crashEvents {
		t.Fatalf("store holds %d events, want %d", i, crashEvents)
	}
}
