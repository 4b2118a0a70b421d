package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/neynar"
	"github.com/plaudit/plaudit/sqlstore"
)

// postWebhook posts body to /webhooks/neynar with the signature sig (none if empty).
func postWebhook(t *testing.T, addr string, body []byte, sig string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+addr+neynar.Path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(neynar.SignatureHeader, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// startNeynarServe runs `plaudit serve` with the configuration doc until the test ends.
func startNeynarServe(t *testing.T, doc, addr string) *syncBuffer {
	t.Helper()
	old := dbFlag
	t.Cleanup(func() { dbFlag = old })
	dbFlag = ""
	ctx, cancel := context.WithCancel(context.Background())
	cmd := &cobra.Command{}
	stderr := &syncBuffer{}
	cmd.SetErr(stderr)
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, cmd, serveOptions{configFile: writeConfig(t, doc), addr: config.DefaultListen})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	})
	waitUp(t, addr, stderr)
	return stderr
}

// TestServeNeynarWebhook posts a signed cast.created to a running `plaudit serve`, reads the event back
// through GET /v1/events and waits for the score job to score it; a bad signature is 401.
func TestServeNeynarWebhook(t *testing.T) {
	t.Setenv("PLAUDIT_API_TOKENS", "")
	t.Setenv("PLAUDIT_TEST_TOKEN", "tok-neynar")
	t.Setenv("PLAUDIT_TEST_NEYNAR_SECRET", "hook-secret")
	store := filepath.Join(t.TempDir(), "plaudit.db")

	// The cast policy with the campaign's target is active before the server starts.
	st, err := sqlstore.Open(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := policy.PresetSource("cast")
	if err != nil {
		t.Fatal(err)
	}
	doc = bytes.Replace(doc, []byte("fid: 0 "), []byte("fid: 830020 "), 1)
	doc = bytes.Replace(doc, []byte(`username: ""`), []byte("username: shreyaspapi"), 1)
	if _, err := service.New(st, service.Options{}).ActivatePolicy(context.Background(), doc, "cast.yml", "test"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	addr := freeAddr(t)
	logs := startNeynarServe(t, fmt.Sprintf("store: %s\nlisten: %s\napi:\n  tokens: [env:PLAUDIT_TEST_TOKEN]\n"+
		"farcaster:\n  webhook_secret: env:PLAUDIT_TEST_NEYNAR_SECRET\n  target: shreyaspapi:830020\n", store, addr), addr)

	body, err := os.ReadFile(filepath.Join("..", "..", "source", "neynar", "testdata", "cast_created.json"))
	if err != nil {
		t.Fatal(err)
	}
	body = bytes.TrimSpace(body)
	if status, resp := postWebhook(t, addr, body, neynar.Sign([]byte("wrong"), body)); status != 401 {
		t.Fatalf("a wrong signature: %d %s", status, resp)
	}
	for i := 0; i < 2; i++ { // no API key: the route is public, verified by its signature
		if status, resp := postWebhook(t, addr, body, neynar.Sign([]byte("hook-secret"), body)); status != 200 {
			t.Fatalf("delivery %d: %d %s", i+1, status, resp)
		}
	}
	status, resp := get(t, "http://"+addr+"/v1/events?source=farcaster", "tok-neynar")
	if status != 200 || strings.Count(resp, "0x5f1c0a3e9b2e11aa4c7d0e6f1a2b3c4d5e6f7a8b") != 1 || !strings.Contains(resp, `"kind":"reply"`) {
		t.Fatalf("GET /v1/events: %d %s", status, resp)
	}
	// The score job catches up after the append.
	url := "http://" + addr + "/v1/explanations/events/farcaster/0x5f1c0a3e9b2e11aa4c7d0e6f1a2b3c4d5e6f7a8b"
	for i := 0; ; i++ {
		status, resp = get(t, url, "tok-neynar")
		if status == 200 && strings.Contains(resp, `"cast.ac.mention"`) && strings.Contains(resp, `"stored":true`) {
			break
		}
		if i == 100 {
			t.Fatalf("the cast was not scored: %d %s\n%s", status, resp, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServeNoFarcasterSection: without the farcaster section the webhook route answers 404.
func TestServeNoFarcasterSection(t *testing.T) {
	t.Setenv("PLAUDIT_API_TOKENS", "")
	t.Setenv("PLAUDIT_TEST_TOKEN", "tok-neynar")
	addr := freeAddr(t)
	startNeynarServe(t, fmt.Sprintf("store: %s\nlisten: %s\napi:\n  tokens: [env:PLAUDIT_TEST_TOKEN]\n", filepath.Join(t.TempDir(), "p.db"), addr), addr)
	if status, resp := postWebhook(t, addr, []byte(`{}`), neynar.Sign([]byte("x"), []byte(`{}`))); status != 404 {
		t.Fatalf("no farcaster section: %d %s", status, resp)
	}
}
