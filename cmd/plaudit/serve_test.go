package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/sqlstore"
)

func TestLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:80": true, "127.0.0.2:1": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "192.0.2.1:8080": false, "example.com:80": false, "nonsense": false,
	} {
		if got := loopbackAddr(addr); got != want {
			t.Errorf("loopbackAddr(%q) = %v", addr, got)
		}
	}
}

func TestServeRefusesOpenAPIOnAllInterfaces(t *testing.T) {
	t.Setenv("PLAUDIT_API_TOKENS", "")
	t.Setenv("PLAUDIT_DATABASE_URL", "")
	t.Setenv("XDG_DATA_HOME", t.TempDir()) // serve looks for API keys in the (default) store first
	old := dbFlag                          // another test in this process may have left --db set
	dbFlag = ""
	defer func() { dbFlag = old }()
	cmd := &cobra.Command{}
	var stderr bytes.Buffer
	cmd.SetErr(&stderr)
	err := runServe(context.Background(), cmd, serveOptions{addr: "0.0.0.0:0"})
	if plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(plaudit.ErrorMessage(err), "PLAUDIT_API_TOKENS") {
		t.Fatalf("err = %v", err)
	}
	// The same from a configuration file's listen.
	file := writeConfig(t, "listen: 0.0.0.0:0\n")
	err = runServe(context.Background(), cmd, serveOptions{configFile: file, addr: config.DefaultListen})
	if plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(plaudit.ErrorMessage(err), "api.tokens") {
		t.Fatalf("err = %v", err)
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func writeConfig(t *testing.T, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "serve.yml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// get sends a GET with token (none if empty) and returns the status and body.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitUp polls addr's /healthz until it answers.
func waitUp(t *testing.T, addr string, logs fmt.Stringer) {
	t.Helper()
	for i := 0; ; i++ {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return
		}
		if i == 200 {
			t.Fatalf("server did not come up: %v\n%s", err, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServe runs the command with tokens and checks that it answers, demands a token, and stops when its
// context ends.
func TestServe(t *testing.T) {
	old := dbFlag
	t.Cleanup(func() { dbFlag = old })
	dbFlag = filepath.Join(t.TempDir(), "plaudit.db")
	t.Setenv("PLAUDIT_API_TOKENS", "tok-a, tok-b")
	addr := freeAddr(t)

	ctx, cancel := context.WithCancel(context.Background())
	cmd := &cobra.Command{}
	var stderr syncBuffer
	cmd.SetErr(&stderr)
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, cmd, serveOptions{addr: addr}) }()
	waitUp(t, addr, &stderr)
	for token, want := range map[string]int{"": 401, "tok-b": 200} {
		if status, body := get(t, "http://"+addr+"/v1/stats", token); status != want {
			t.Fatalf("token %q: %d %s", token, status, body)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if log := stderr.String(); strings.Contains(log, "tok-") || !strings.Contains(log, "path=/v1/stats status=401") {
		t.Fatalf("log:\n%s", log)
	}
}

// testComponent records what serve does with it.
type testComponent struct {
	name   string
	events *[]string
	mu     *sync.Mutex
	ready  error
}

func (c *testComponent) record(what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	*c.events = append(*c.events, what+" "+c.name)
}
func (c *testComponent) Start(ctx context.Context) error { c.record("start"); return nil }
func (c *testComponent) Stop(ctx context.Context) error  { c.record("stop"); return nil }
func (c *testComponent) Ready(ctx context.Context) error { return c.ready }

// TestServeConfig serves from a configuration file: its store, listen address, env: tokens and JSON logs;
// two plugged-in components start in order, appear in /readyz, and stop in reverse order before serve
// returns; /metrics answers with a token.
func TestServeConfig(t *testing.T) {
	old, oldComponents := dbFlag, serveComponents
	t.Cleanup(func() { dbFlag, serveComponents = old, oldComponents })
	dbFlag = ""
	t.Setenv("PLAUDIT_API_TOKENS", "")
	t.Setenv("PLAUDIT_TEST_SERVE_TOKEN", "tok-from-env")
	var (
		mu     sync.Mutex
		events []string
	)
	for _, name := range []string{"first", "second"} {
		addServeComponent(name, func(ctx context.Context, env *serveEnv) (serveComponent, error) {
			if env.Store == nil || env.Registry == nil || env.API == nil || env.Config.Jobs.ScoreEvery != 2*time.Minute {
				return nil, errors.New("incomplete serveEnv")
			}
			c := &testComponent{name: name, events: &events, mu: &mu}
			if name == "second" {
				c.ready = errors.New("warming up")
			}
			return c, nil
		})
	}
	store := filepath.Join(t.TempDir(), "from-config.db")
	addr := freeAddr(t)
	file := writeConfig(t, fmt.Sprintf("store: %s\nlisten: %s\nlog_format: json\nshutdown_grace: 5s\napi:\n  tokens: [env:PLAUDIT_TEST_SERVE_TOKEN]\njobs:\n  score_every: 2m\n", store, addr))

	ctx, cancel := context.WithCancel(context.Background())
	cmd := &cobra.Command{}
	var stderr syncBuffer
	cmd.SetErr(&stderr)
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, cmd, serveOptions{configFile: file, addr: config.DefaultListen}) }()
	waitUp(t, addr, &stderr)
	status, body := get(t, "http://"+addr+"/readyz", "")
	if status != 503 || !strings.Contains(body, `{"name":"store","status":"ok"}`) || !strings.Contains(body, `{"name":"first","status":"ok"}`) ||
		!strings.Contains(body, `{"name":"second","status":"failed","error":"internal error"}`) {
		t.Fatalf("readyz: %d %s", status, body)
	}
	if status, _ := get(t, "http://"+addr+"/metrics", ""); status != 401 {
		t.Fatalf("metrics without a token: %d", status)
	}
	if status, body := get(t, "http://"+addr+"/metrics", "tok-from-env"); status != 200 || !strings.Contains(body, `plaudit_http_requests_total{code="503",route="GET /readyz"} 1`) {
		t.Fatalf("metrics: %d %s", status, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	mu.Lock()
	got := strings.Join(events, ", ")
	mu.Unlock()
	if got != "start first, start second, stop second, stop first" {
		t.Fatalf("components: %s", got)
	}
	log := stderr.String()
	if strings.Contains(log, "tok-from-env") || !strings.Contains(log, `"msg":"api request"`) || !strings.Contains(log, `"path":"/metrics","status":401`) {
		t.Fatalf("log:\n%s", log)
	}
	if _, err := os.Stat(store); err != nil {
		t.Fatalf("the file's store was not used: %v", err)
	}
}

// TestServeStoreDSN checks the store's precedence: --db, then the file, then PLAUDIT_DATABASE_URL.
func TestServeStoreDSN(t *testing.T) {
	old := dbFlag
	t.Cleanup(func() { dbFlag = old })
	t.Setenv("PLAUDIT_DATABASE_URL", "postgres://u:pw@h/env")
	file := &config.Config{File: "serve.yml", Store: "/from/file.db"}
	none := &config.Config{File: "serve.yml"}
	for _, tc := range []struct {
		flag string
		cfg  *config.Config
		want string
	}{
		{"", file, "/from/file.db from serve.yml"},
		{"/flag.db", file, "/flag.db from --db, which wins over the file's store"},
		{"/flag.db", none, "/flag.db from --db"},
		{"", none, "postgres://u:pw@h/env from PLAUDIT_DATABASE_URL"},
	} {
		dbFlag = tc.flag
		dsn, from, err := serveStoreDSN(tc.cfg)
		if got := dsn + " " + from; err != nil || got != tc.want {
			t.Errorf("--db %q, store %q: %s %v, want %s", tc.flag, tc.cfg.Store, got, err, tc.want)
		}
	}
}

// TestConfigCommands runs plaudit config check and example as a user would, with their exit statuses.
func TestConfigCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	out, errOut, code := run(t, bin, "config", "example")
	if code != 0 || out != string(config.Example) {
		t.Fatalf("config example: %d %s", code, errOut)
	}
	example := writeConfig(t, string(config.Example))
	_, errOut, code = runEnv(t, []string{"PLAUDIT_API_TOKEN="}, bin, "config", "check", example)
	if code != 2 || !strings.Contains(errOut, "field api.tokens[0]: environment variable PLAUDIT_API_TOKEN is empty") {
		t.Fatalf("config check without the token: %d %s", code, errOut)
	}
	out, errOut, code = runEnv(t, []string{"PLAUDIT_API_TOKEN=tok-example-secret"}, bin, "--db", "postgres://u:db-secret@h/db", "config", "check", example)
	if code != 0 || out != example+": ok\n  store postgres://u:xxxxx@h/db (from --db), listen 127.0.0.1:8080, 1 API token(s)\n" {
		t.Fatalf("config check: %d %q %s", code, out, errOut)
	}
	bad := writeConfig(t, "listen: nowhere\njobs:\n  score_every: 0s\n  integrity_evry: 1h\n")
	out, errOut, code = run(t, bin, "config", "check", bad)
	if code != 2 || out != "" || !strings.Contains(errOut, bad+": 3 invalid") || !strings.Contains(errOut, "line 1: field listen:") ||
		!strings.Contains(errOut, "line 3: field jobs.score_every: want a positive duration") || !strings.Contains(errOut, "line 4: field jobs.integrity_evry: unknown field") {
		t.Fatalf("config check of a bad file: %d %q %s", code, out, errOut)
	}
}

// runEnv is run with extra environment variables.
func runEnv(t *testing.T, env []string, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// TestServeSIGTERM runs plaudit serve --config as a process, sends it SIGTERM while a request is in flight,
// and checks that the request still succeeds, the process exits with status 0, and the store opens again
// with the request's event in it.
func TestServeSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	store := filepath.Join(t.TempDir(), "plaudit.db")
	addr := freeAddr(t)
	file := writeConfig(t, fmt.Sprintf("store: %s\nlisten: %s\nshutdown_grace: 10s\napi:\n  tokens: [env:PLAUDIT_TEST_SERVE_TOKEN]\n", store, addr))
	cmd := exec.Command(bin, "serve", "--config", file)
	cmd.Env = append(os.Environ(), "PLAUDIT_TEST_SERVE_TOKEN=tok-term", "PLAUDIT_API_TOKENS=")
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	})
	waitUp(t, addr, &logs)
	if status, body := get(t, "http://"+addr+"/readyz", ""); status != 200 {
		t.Fatalf("readyz: %d %s", status, body)
	}

	// A request whose body arrives in two parts, with SIGTERM between them.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", "http://"+addr+"/v1/events", pr)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer tok-term")
	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answered <- answer{status: resp.StatusCode, body: string(b)}
	}()
	if _, err := io.WriteString(pw, `[{"source":"api","id":"in-flight","kind":"post",`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the server take the request in
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Wait until the server has begun shutting down: it then refuses new connections.
	for i := 0; !strings.Contains(logs.String(), "shutting down"); i++ {
		if i == 100 {
			t.Fatalf("no shutdown after SIGTERM:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := io.WriteString(pw, `"actor":"alice","time":"2024-05-01T12:00:00Z"}]`); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	a := <-answered
	if a.err != nil || a.status != 200 || !strings.Contains(a.body, `"accepted":1`) {
		t.Fatalf("the request in flight: %d %s %v\n%s", a.status, a.body, a.err, logs.String())
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve exited with %v\n%s", err, logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("serve did not exit after SIGTERM\n%s", logs.String())
	}
	if log := logs.String(); strings.Contains(log, "tok-term") || !strings.Contains(log, "msg=stopped") {
		t.Fatalf("log:\n%s", log)
	}
	db, err := sqlstore.Open(context.Background(), store)
	if err != nil {
		t.Fatalf("the store does not open after SIGTERM: %v", err)
	}
	defer db.Close()
	st, err := db.EventStats(context.Background())
	if err != nil || st.Total != 1 {
		t.Fatalf("stats after SIGTERM: %+v %v", st, err)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines and the test's.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
