package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit/chain/chaintest"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/payout"
)

// TestServePortal: serve with payout and chain sections answers the member portal on the API's address,
// without a key and with its security headers, and never logs the node's URL.
func TestServePortal(t *testing.T) {
	old := dbFlag
	t.Cleanup(func() { dbFlag = old })
	dbFlag = ""
	node := chaintest.New(t, payout.CanonicalPermit2)
	t.Setenv("PLAUDIT_API_TOKENS", "")
	t.Setenv("PLAUDIT_TEST_TOKEN", "tok-portal")
	t.Setenv("PLAUDIT_TEST_SIGNER", "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
	t.Setenv("PLAUDIT_TEST_RPC", node.URL+"/v2/rpc-secret")
	addr := freeAddr(t)
	file := writeConfig(t, fmt.Sprintf("store: %s\nlisten: %s\napi:\n  tokens: [env:PLAUDIT_TEST_TOKEN]\npayout:\n  chain_id: 100\n  signer_key: env:PLAUDIT_TEST_SIGNER\nchain:\n  rpc_url: env:PLAUDIT_TEST_RPC\n  logs_from_block: 1\n",
		filepath.Join(t.TempDir(), "p.db"), addr))
	ctx, cancel := context.WithCancel(context.Background())
	cmd := &cobra.Command{}
	var stderr syncBuffer
	cmd.SetErr(&stderr)
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, cmd, serveOptions{configFile: file, addr: config.DefaultListen}) }()
	waitUp(t, addr, &stderr)
	for _, path := range []string{"/claim", "/epochs", "/portal/static/portal.css"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, resp.Header)
		}
	}
	if status, _ := get(t, "http://"+addr+"/v1/stats", ""); status != http.StatusUnauthorized {
		t.Fatalf("the API without a key: %d", status)
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
	if log := stderr.String(); strings.Contains(log, "rpc-secret") || !strings.Contains(log, "member portal at /claim") || !strings.Contains(log, "chain=true") {
		t.Fatalf("log:\n%s", log)
	}
}
