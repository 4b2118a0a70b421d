package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestServePanel checks that serve mounts the admin panel at /admin/: the sign-in page answers with the
// panel's headers, and a page without a session redirects to it rather than asking for an API key.
func TestServePanel(t *testing.T) {
	old := dbFlag
	t.Cleanup(func() { dbFlag = old })
	dbFlag = filepath.Join(t.TempDir(), "plaudit.db")
	t.Setenv("PLAUDIT_API_TOKENS", "tok-a")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := &cobra.Command{}
	var stderr syncBuffer
	cmd.SetErr(&stderr)
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, cmd, serveOptions{addr: addr}) }()
	waitUp(t, addr, &stderr)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get("http://" + addr + "/admin/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("GET /admin/login: %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	resp, err = client.Get("http://" + addr + "/admin/leaderboard")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/admin/login?next=") {
		t.Fatalf("GET /admin/leaderboard without a session: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
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
}
