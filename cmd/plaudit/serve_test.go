package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
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
	cmd := &cobra.Command{}
	var stderr bytes.Buffer
	cmd.SetErr(&stderr)
	err := runServe(context.Background(), cmd, "0.0.0.0:0")
	if plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(plaudit.ErrorMessage(err), "PLAUDIT_API_TOKENS") {
		t.Fatalf("err = %v", err)
	}
}

// TestServe runs the command with tokens and checks that it answers, demands a token, and stops when its
// context ends.
func TestServe(t *testing.T) {
	old := dbFlag
	t.Cleanup(func() { dbFlag = old })
	dbFlag = filepath.Join(t.TempDir(), "plaudit.db")
	t.Setenv("PLAUDIT_API_TOKENS", "tok-a, tok-b")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	cmd := &cobra.Command{}
	var stderr syncBuffer
	cmd.SetErr(&stderr)
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, cmd, addr) }()
	var resp *http.Response
	for i := 0; ; i++ {
		resp, err = http.Get("http://" + addr + "/healthz")
		if err == nil {
			break
		}
		if i == 100 {
			t.Fatalf("server did not come up: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp.Body.Close()
	for token, want := range map[string]int{"": 401, "tok-b": 200} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/stats", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != want {
			t.Fatalf("token %q: %v %v", token, resp, err)
		}
		resp.Body.Close()
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
