package main

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

var (
	epochBinOnce sync.Once
	epochBin     string
	epochBinErr  error
)

// TestMain runs the package's tests and removes the binary epochTestBin built, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	if epochBin != "" && os.Getenv("PLAUDIT_TEST_BIN") == "" {
		os.RemoveAll(filepath.Dir(epochBin))
	}
	os.Exit(code)
}

// epochTestBin builds the plaudit binary once (or uses $PLAUDIT_TEST_BIN).
func epochTestBin(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("PLAUDIT_TEST_BIN"); bin != "" {
		return bin
	}
	root := testenv.RepoRoot(t)
	epochBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "plaudit-epoch-test-")
		if err != nil {
			epochBinErr = err
			return
		}
		epochBin = filepath.Join(dir, "plaudit")
		build := exec.Command("go", "build", "-o", epochBin, "./cmd/plaudit")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			epochBinErr = fmt.Errorf("go build ./cmd/plaudit: %v\n%s", err, out)
		}
	})
	if epochBinErr != nil {
		t.Fatal(epochBinErr)
	}
	return epochBin
}

const crashPolicy = `name: crash
program:
  period: weekly
  pool: {token: "0x00000000000000000000000000000000000000aa", decimals: 6, amount: 1000000007}
  cap: 0.02
  min_payout: 2000000
  fee_rate: 0.05
  treasury: "0x00000000000000000000000000000000000000bb"
scorers:
  - scorer: cast
    sources: [farcaster]
    kinds: [post]
`

var crashMonday = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) // a Monday, and every week of the test has ended

// crashWords make the casts of the crash store differ in length and so in points.
var crashWords = strings.Fields(`the docs now explain how epochs close in order and why a verify rebuilds each one from the log as it
stood then release notes mention ledger carries fees treasury governance weight payouts claims merkle roots
permit signatures scoring policies reputation sybil rings velocity checks moderation appeals audits witnesses
community members projects replies reviews shares flags curation feedback threads channels casts weekly daily
monthly pools tokens wallets links merges tiers operators jobs schedules metrics health readiness signals`)

// prepareCrashStore fills a store with members (a Farcaster account each, linked to handle m0000…, most
// with a wallet), three casts per member and week for weeks weeks, the crash policy (the cast scorer) as the
// active policy, and the log's whole-history scores under it, as `plaudit score` leaves them.
func prepareCrashStore(t *testing.T, dsn string, members, weeks int) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := service.New(st, service.Options{Now: func() time.Time { return crashMonday }})
	if _, err := svc.ActivatePolicy(ctx, []byte(crashPolicy), "crash.yml", "test"); err != nil {
		t.Fatal(err)
	}
	var events []plaudit.Event
	for i := 0; i < members; i++ {
		fid := fmt.Sprint(1000 + i)
		events = append(events, plaudit.Event{Source: plaudit.SourceFarcaster, ExternalID: "link-" + fid, Kind: plaudit.KindLink, Actor: fid,
			Time: crashMonday.Add(-2 * time.Hour), Attrs: map[string]any{"member": fmt.Sprintf("m%04d", i)}})
		if i%9 == 0 {
			continue // no wallet: carried
		}
		events = append(events, plaudit.Event{Source: plaudit.SourcePlaudit, ExternalID: fmt.Sprintf("wallet-%d", i), Kind: plaudit.KindWallet,
			Actor: fmt.Sprintf("m%04d", i), Time: crashMonday.Add(-time.Hour), Attrs: map[string]any{"address": fmt.Sprintf("0x%040x", i+1)}})
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for w := 0; w < weeks; w++ {
		for i := 0; i < members; i++ {
			for k := 0; k < 3; k++ {
				text := make([]string, 6+rng.IntN(18))
				for j := range text {
					text[j] = crashWords[rng.IntN(len(crashWords))]
				}
				events = append(events, plaudit.Event{Source: plaudit.SourceFarcaster, ExternalID: fmt.Sprintf("0x%x%04x%d", w, i, k), Kind: plaudit.KindPost,
					Actor: fmt.Sprint(1000 + i), Content: strings.Join(text, " ") + ".",
					Time:  crashMonday.Add(time.Duration(w)*7*24*time.Hour + time.Duration(rng.Int64N(int64(7*24*time.Hour)))),
					Attrs: map[string]any{"likes_count": rng.IntN(40), "recasts_count": rng.IntN(5), "replies_count": rng.IntN(8), "follower_count": 10 + rng.IntN(900)}})
			}
		}
	}
	for len(events) > 0 {
		n := min(len(events), 5000)
		if _, err := st.AppendEvents(ctx, events[:n]); err != nil {
			t.Fatal(err)
		}
		events = events[n:]
	}
	if _, err := svc.Rescore(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// ledgerState is what the crash test compares: every balance, and per epoch its postings and allocations.
type ledgerState struct {
	balances map[string]*big.Int
	postings int
}

func readLedgerState(t *testing.T, st *sqlstore.DB) ledgerState {
	t.Helper()
	ctx := context.Background()
	bals, err := st.Balances(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	s := ledgerState{balances: map[string]*big.Int{}}
	for _, b := range bals {
		s.balances[b.Account+" "+b.Asset] = b.Amount
	}
	if err := st.SQL().QueryRowContext(ctx, "SELECT count(*) FROM postings").Scan(&s.postings); err != nil {
		t.Fatal(err)
	}
	return s
}

func runClose(bin, dsn string, week int, slow string) (*exec.Cmd, *bytes.Buffer) {
	at := crashMonday.Add(time.Duration(week)*7*24*time.Hour + time.Hour).Format(time.RFC3339)
	cmd := exec.Command(bin, "--db", dsn, "epoch", "close", "crash", "--at", at, "--operator", "crash-test")
	cmd.Env = append(os.Environ(), "PLAUDIT_TEST_SLOW_CLOSE="+slow)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, &out
}

// TestEpochCloseCrash is the acceptance test of a close's crash safety: it kills `plaudit epoch close` with
// SIGKILL at a random moment, 50 times against SQLite and 50 against PostgreSQL (a new week each time, so
// carries chain from one to the next), and checks after each kill that the epoch is either fully closed or
// not at all, then that closing again finishes it with every member paid exactly once.
func TestEpochCloseCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary and kills it 100 times; skipped with -short")
	}
	bin := epochTestBin(t)
	const members, runs = 200, 50
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dsn := filepath.Join(t.TempDir(), "plaudit.db")
			if backend == "postgres" {
				dsn = testenv.Postgres(t)
			}
			prepareCrashStore(t, dsn, members, runs+1)
			st, err := sqlstore.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			rng := rand.New(rand.NewPCG(seed, uint64(len(backend))))

			// Week 0, closed cleanly and timed, tells how long a slowed close takes.
			const slow = "15ms"
			start := time.Now()
			cmd, out := runClose(bin, dsn, 0, slow)
			if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "closed") {
				t.Fatalf("clean close: %v\n%s", err, out)
			}
			full := time.Since(start)
			t.Logf("%s: a slowed close takes %s", backend, full.Round(time.Millisecond))

			outcomes := map[string]int{}
			for week := 1; week <= runs; week++ {
				before := readLedgerState(t, st)
				id := plaudit.EpochID("crash", crashMonday.Add(time.Duration(week)*7*24*time.Hour))
				runDSN, app := dsn, fmt.Sprintf("plaudit-crash-%d-%d", seed%100000, week)
				if backend == "postgres" {
					runDSN += "&application_name=" + app
				}
				cmd, out := runClose(bin, runDSN, week, slow)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				delay := time.Duration(rng.Int64N(int64(full)))
				time.Sleep(delay)
				_ = cmd.Process.Signal(syscall.SIGKILL)
				_ = cmd.Wait()
				if backend == "postgres" {
					waitGone(t, st, app)
				}

				// All or nothing.
				after := readLedgerState(t, st)
				ep, err := st.Epoch(context.Background(), id)
				closed := err == nil
				if !closed && plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
					t.Fatal(err)
				}
				allocs, err := readAllocations(context.Background(), st, id)
				if err != nil {
					t.Fatal(err)
				}
				if closed {
					outcomes["closed before the kill"]++
					if len(allocs) != ep.Members || after.postings != before.postings+3 {
						t.Fatalf("week %d (killed after %s): closed epoch with %d of %d allocations, %d new postings\n%s", week, delay, len(allocs), ep.Members, after.postings-before.postings, out)
					}
				} else {
					if strings.Contains(out.String(), "close transaction begun") {
						outcomes["rolled back mid-transaction"]++
					} else {
						outcomes["killed before the transaction"]++
					}
					if len(allocs) != 0 || after.postings != before.postings || !sameBalances(before.balances, after.balances) {
						t.Fatalf("week %d (killed after %s): epoch not closed but %d allocations and %d postings written\n%s", week, delay, len(allocs), after.postings-before.postings, out)
					}
				}

				// Closing again finishes it, once.
				cmd, out = runClose(bin, dsn, week, "")
				if err := cmd.Run(); err != nil {
					t.Fatalf("week %d: close again: %v\n%s", week, err, out)
				}
				if closed != strings.Contains(out.String(), "already closed") {
					t.Fatalf("week %d: closed=%v but the second close said:\n%s", week, closed, out)
				}
				final := readLedgerState(t, st)
				allocs, err = readAllocations(context.Background(), st, id)
				if err != nil {
					t.Fatal(err)
				}
				if final.postings != before.postings+3 {
					t.Fatalf("week %d: %d postings for one epoch", week, final.postings-before.postings)
				}
				for _, a := range allocs {
					key := plaudit.AccountMember(a.Member) + " 0x00000000000000000000000000000000000000aa"
					want := new(big.Int).Add(orZero(before.balances[key]), a.Paid)
					if got := orZero(final.balances[key]); got.Cmp(want) != 0 {
						t.Fatalf("week %d: member %s holds %s, want %s (paid %s once)", week, a.Member, got, want, a.Paid)
					}
				}
			}
			t.Logf("%s: outcomes over %d kills: %v", backend, runs, outcomes)
		})
	}
}

// waitGone waits until the PostgreSQL server has finished with the killed client's session: a server
// finishes a transaction whose client died on its own (it commits one whose COMMIT had arrived, and rolls
// back any other), so what the ledger holds is only settled once the session is gone.
func waitGone(t *testing.T, st *sqlstore.DB, app string) {
	t.Helper()
	for i := 0; ; i++ {
		var n int
		if err := st.SQL().QueryRow("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if i == 500 {
			t.Fatalf("the killed close's session %s is still open after 5 s", app)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func orZero(v *big.Int) *big.Int {
	if v == nil {
		return new(big.Int)
	}
	return v
}

func sameBalances(a, b map[string]*big.Int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v.Cmp(w) != 0 {
			return false
		}
	}
	return true
}

// readAllocations loads an epoch's allocations.
func readAllocations(ctx context.Context, st plaudit.LedgerStore, id string) ([]plaudit.Allocation, error) {
	var out []plaudit.Allocation
	err := st.ScanAllocations(ctx, id, func(a *plaudit.Allocation) error { out = append(out, *a); return nil })
	return out, err
}
