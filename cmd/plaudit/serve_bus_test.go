package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/bus"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/neynar"
	"github.com/plaudit/plaudit/sqlstore"
)

// busTestEvents is how many events TestServeBusRoles sends: PLAUDIT_BUS_EVENTS, else 10,000, which keeps
// the test near a minute in CI (the 200,000 is run by hand: PLAUDIT_BUS_EVENTS=200000).
func busTestEvents(t *testing.T) int {
	if s := os.Getenv("PLAUDIT_BUS_EVENTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1000 {
			t.Fatalf("PLAUDIT_BUS_EVENTS=%q: want a number of at least 1000", s)
		}
		return n
	}
	return 10_000
}

// startRole starts `plaudit serve --role role` on cfgPath, logging to a file in dir as well.
func startRole(t *testing.T, bin, cfgPath, role string, env ...string) *servedProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--config", cfgPath, "--role", role)
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
	var mu sync.Mutex
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			if p.output.Len() < 1<<20 {
				p.output.WriteString(line + "\n")
			}
			mu.Unlock()
			select {
			case p.lines <- line:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		if d := os.Getenv("PLAUDIT_BUS_TEST_LOGS"); d != "" {
			mu.Lock()
			_ = os.WriteFile(filepath.Join(d, fmt.Sprintf("%s-%d.log", role, cmd.Process.Pid)), []byte(p.output.String()), 0o644)
			mu.Unlock()
		}
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			_ = p.cmd.Wait()
		}
	})
	return p
}

var servingURL = regexp.MustCompile(`url=(http://[0-9.:]+)`)

// listening waits for the process to serve and returns its URL.
func (p *servedProcess) listening(t *testing.T) string {
	t.Helper()
	line := p.waitFor(t, time.Minute, "serving the API")
	m := servingURL.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no url in %q", line)
	}
	return m[1]
}

// neynarLike is a signed Neynar reaction.created webhook body (a like by fid of cast n).
func neynarLike(fid, n int) []byte {
	return fmt.Appendf(nil, `{"created_at":1796137200,"type":"reaction.created","data":{"object":"reaction","event_timestamp":"2026-12-01T15:00:00.512Z","timestamp":"2026-12-01T15:%02d:%02d.000Z","reaction_type":1,"user":{"object":"user_dehydrated","fid":%d,"username":"liker%d"},"cast":{"object":"cast_dehydrated","hash":"0x%040x","author":{"object":"user_dehydrated","fid":3621,"username":"alice"}}}}`,
		n/60%60, n%60, fid, fid, n+1)
}

// TestServeBusRoles is the acceptance test of the bus: a receiver, two workers and a job runner run as
// separate `plaudit serve` processes on one PostgreSQL and a NATS server of the test's own. Events go in
// through POST /v1/events and the Neynar webhook while one worker is killed (SIGKILL) and the NATS server is
// restarted; afterwards the store holds each sent event exactly once, the workers have scored every one,
// and the whole-history scores equal those of the same events stored by a single process.
func TestServeBusRoles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary and runs five processes; skipped with -short")
	}
	total := busTestEvents(t)
	bin := epochTestBin(t)
	ns := testenv.StartNATS(t)
	dsn, refDSN := testenv.PostgresDatabase(t), testenv.Postgres(t)
	ctx := context.Background()
	const secret = "neynar-test-secret"
	target := neynar.Target{Username: "alice", FID: 3621}

	// The events: a generated community through the API, and likes through the Neynar webhook.
	hooks := total / 10
	var apiEvents []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: gen.MembersForEvents(int64(total-hooks)*5/4, 14), Days: 14, Seed: 16}, func(e *plaudit.Event) error {
		if len(apiEvents) < total-hooks {
			apiEvents = append(apiEvents, *e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(apiEvents)
	bodies := make([][]byte, hooks)
	for i := range bodies {
		bodies[i] = neynarLike(500000+i%997, i)
		d, err := neynar.Decode(bodies[i], target)
		if err != nil || len(d.Events) != 1 {
			t.Fatalf("webhook body %d: %v (%d events)", i, err, len(d.Events))
		}
		want = append(want, d.Events...)
	}

	doc, err := policy.PresetSource("default")
	if err != nil {
		t.Fatal(err)
	}
	open := func(dsn string) (*sqlstore.DB, *service.Service) {
		st, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		svc := service.New(st, service.Options{})
		if _, err := svc.ActivatePolicy(ctx, doc, "preset:default", "test"); err != nil {
			t.Fatal(err)
		}
		return st, svc
	}
	st, svc := open(dsn)

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "serve.yml")
	cfg := fmt.Sprintf(`store: %q
listen: 127.0.0.1:0
shutdown_grace: 5s
bus:
  url: %s
  batch: 500
  ack_wait: 3s
api:
  store_timeout: 60s
  rate_limit: {per_second: 1000000, burst: 1000000}
farcaster:
  webhook_secret: env:PLAUDIT_TEST_NEYNAR_SECRET
  target: alice:3621
jobs:
  score_every: 2s
`, dsn, ns.URL())
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := "PLAUDIT_TEST_NEYNAR_SECRET=" + secret
	receiver := startRole(t, bin, cfgPath, roleReceiver, env)
	workerA := startRole(t, bin, cfgPath, roleWorker, env)
	workerB := startRole(t, bin, cfgPath, roleWorker, env)
	jobsP := startRole(t, bin, cfgPath, roleJobs, env)
	url := receiver.listening(t)
	for _, p := range []*servedProcess{workerA, workerB, jobsP} {
		u := p.listening(t)
		// Every role answers the health routes; only receivers answer the API.
		for path, code := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/v1/events": 404} {
			resp, err := http.Get(u + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != code {
				t.Fatalf("%s%s: %d, want %d", u, path, resp.StatusCode, code)
			}
		}
	}

	// post sends one request until it is answered 200 (a 503 or a broken connection is retried, as a
	// sender does).
	client := &http.Client{Timeout: 90 * time.Second}
	var retries atomic.Int64
	post := func(path string, body []byte, header http.Header) error {
		for attempt := 0; ; attempt++ {
			req, _ := http.NewRequest(http.MethodPost, url+path, bytes.NewReader(body))
			req.Header = header.Clone()
			resp, err := client.Do(req)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					if path == "/v1/events" && !bytes.Contains(b, []byte(`"rejected":0`)) {
						return fmt.Errorf("POST %s: %s", path, truncateBody(b))
					}
					return nil
				}
				if resp.StatusCode != http.StatusServiceUnavailable {
					return fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, truncateBody(b))
				}
			}
			if attempt > 100 {
				return fmt.Errorf("POST %s: still failing after %d attempts: %v", path, attempt, err)
			}
			retries.Add(1)
			time.Sleep(200 * time.Millisecond)
		}
	}

	// The work: API batches of 500 and webhook bodies, shared by four senders in order.
	var jobs []busJob
	hookEvery := max(1, len(apiEvents)/500/max(1, len(bodies)/50))
	bi := 0
	for i := 0; i < len(apiEvents); i += 500 {
		var buf bytes.Buffer
		buf.WriteByte('[')
		for j, e := range apiEvents[i:min(i+500, len(apiEvents))] {
			if j > 0 {
				buf.WriteByte(',')
			}
			b, err := eventio.AppendEvent(nil, &e)
			if err != nil {
				t.Fatal(err)
			}
			buf.Write(b)
		}
		buf.WriteByte(']')
		jobs = append(jobs, busJob{path: "/v1/events", body: buf.Bytes(), header: http.Header{"Content-Type": {"application/json"}}, n: min(500, len(apiEvents)-i)})
		if (i/500)%hookEvery == 0 {
			for k := 0; k < 50 && bi < len(bodies); k, bi = k+1, bi+1 {
				jobs = append(jobs, neynarJob(bodies[bi], secret))
			}
		}
	}
	for ; bi < len(bodies); bi++ {
		jobs = append(jobs, neynarJob(bodies[bi], secret))
	}

	start := time.Now()
	var next, sent atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				j := jobs[i]
				if err := post(j.path, j.body, j.header); err != nil {
					errs <- err
					return
				}
				sent.Add(int64(j.n))
			}
		})
	}
	// The faults, while the senders send: a worker is killed, then NATS restarts, then the worker comes back.
	waitSent := func(n int64) {
		for sent.Load() < n && next.Load() < int64(len(jobs)) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitSent(int64(len(want) / 3))
	_ = workerA.cmd.Process.Signal(syscall.SIGKILL)
	_ = workerA.cmd.Wait()
	t.Logf("SIGKILLed worker A after %d events sent", sent.Load())
	waitSent(int64(len(want) / 2))
	ns.Restart()
	t.Logf("restarted the NATS server after %d events sent", sent.Load())
	waitSent(int64(2 * len(want) / 3))
	startRole(t, bin, cfgPath, roleWorker, env).listening(t)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sendTime := time.Since(start)

	// Everything sent is stored and scored by the workers.
	check, err := bus.Connect(ctx, bus.Config{URL: ns.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	// The waits grow with the count: 2 minutes for the default, more for a run by hand.
	wait := 2*time.Minute + time.Duration(total)*2*time.Millisecond
	deadline := time.Now().Add(wait)
	var stats *plaudit.EventStats
	for {
		if stats, err = st.EventStats(ctx); err != nil {
			t.Fatal(err)
		}
		pending, perr := check.Pending(ctx)
		if stats.Total >= int64(len(want)) && perr == nil && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the store holds %d of %d events, %d pending on the bus (%v); worker B's log:\n%s", wait, stats.Total, len(want), pending, perr, tail(workerB.output.String()))
		}
		time.Sleep(100 * time.Millisecond)
	}
	storeTime := time.Since(start)
	pol, err := svc.ActivePolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(wait)
	var lastSeq int64
	if err := st.ScanEvents(ctx, plaudit.EventFilter{}, func(e *plaudit.Event) error { lastSeq = e.Seq; return nil }); err != nil {
		t.Fatal(err)
	}
	for {
		state, err := st.ScoreState(ctx, pol.Hash())
		if err != nil {
			t.Fatal(err)
		}
		if state.ScoredSeq >= lastSeq {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the workers scored through event %d of %d", state.ScoredSeq, lastSeq)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d events (%d through the API, %d webhooks) sent in %s, all stored in %s, scored in %s; %d requests retried",
		len(want), len(apiEvents), len(bodies), sendTime.Round(time.Millisecond), storeTime.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), retries.Load())

	// Exactly once.
	count := make(map[string]int, len(want))
	var stored []plaudit.Event // the log in the order the workers wrote it
	if err := st.ScanEvents(ctx, plaudit.EventFilter{}, func(e *plaudit.Event) error {
		count[e.Key()]++
		stored = append(stored, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(count) != len(want) {
		t.Fatalf("the store holds %d distinct events, want %d", len(count), len(want))
	}
	for _, e := range want {
		if c := count[e.Key()]; c != 1 {
			t.Fatalf("event %s is stored %d times", e.Key(), c)
		}
	}

	// Scores equal a single-process run of the same log. The engine is deterministic over the log as
	// ordered (the order of arrival decides, say, which of two equal replies came first), and arrival
	// through four concurrent senders has no fixed order even in one process, so the single process is
	// given the events in the order the workers stored them.
	for _, p := range []*servedProcess{receiver, workerB, jobsP} {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	// Wait until they are gone: a worker's catch-up or the jobs process's rescore still under way would take
	// the rewrite over from the rescore below, which then fails with ECONFLICT.
	for _, p := range []*servedProcess{receiver, workerB, jobsP} {
		exited := make(chan struct{})
		go func() { _ = p.cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(time.Minute):
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			<-exited
		}
		<-p.done
	}
	refStore, refSvc := open(refDSN)
	for i := 0; i < len(stored); i += 5000 {
		if _, err := refSvc.StoreEvents(ctx, stored[i:min(i+5000, len(stored))]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := refSvc.Rescore(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Rescore(ctx, nil); err != nil {
		t.Fatal(err)
	}
	got, err := st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: pol.Hash()})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := refStore.Scores(ctx, plaudit.ScoreFilter{PolicyHash: pol.Hash()})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || len(got) != len(ref) {
		t.Fatalf("%d scores through the bus, %d in one process", len(got), len(ref))
	}
	norm := func(s []plaudit.Score) []string {
		out := make([]string, len(s))
		for i, x := range s {
			out[i] = fmt.Sprintf("%s|%s|%s|%d|%d", x.Event, x.Member, x.Scorer, x.Points, x.Time.UnixNano())
		}
		slices.Sort(out)
		return out
	}
	g, r := norm(got), norm(ref)
	for i := range g {
		if g[i] != r[i] {
			t.Fatalf("score %d differs: through the bus %s, in one process %s", i, g[i], r[i])
		}
	}
}

// busJob is one request of TestServeBusRoles: n events to path.
type busJob struct {
	path   string
	body   []byte
	header http.Header
	n      int
}

// neynarJob is a webhook request of body, signed with secret as Neynar signs.
func neynarJob(body []byte, secret string) busJob {
	m := hmac.New(sha512.New, []byte(secret))
	m.Write(body)
	return busJob{neynar.Path, body, http.Header{"Content-Type": {"application/json"}, neynar.SignatureHeader: {hex.EncodeToString(m.Sum(nil))}}, 1}
}

func truncateBody(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// tail is the end of a process's log, for a failure message.
func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}
