package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// NATSServer is a nats-server with JetStream that a test started for itself, on a port and a store
// directory of its own (the shared one at 127.0.0.1:4222 is for everyone, and must not be restarted).
type NATSServer struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
}

// NATSServerBinary is where the machine's nats-server is looked for: PLAUDIT_TEST_NATS_SERVER, else
// /usr/sbin/nats-server, else nats-server on PATH.
func NATSServerBinary() string {
	if p := os.Getenv("PLAUDIT_TEST_NATS_SERVER"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nats-server"); err == nil {
		return "/usr/sbin/nats-server"
	}
	p, _ := exec.LookPath("nats-server")
	return p
}

// StartNATS starts a nats-server with JetStream on a free loopback port and a store in t's temporary
// directory, stopped when t ends. It skips (or fails in CI) when there is no nats-server binary.
func StartNATS(t testing.TB) *NATSServer {
	t.Helper()
	bin := NATSServerBinary()
	if bin == "" {
		Missing(t, "no nats-server binary (set PLAUDIT_TEST_NATS_SERVER)")
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &NATSServer{t: t, bin: bin, dir: t.TempDir(), port: port}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's address.
func (s *NATSServer) URL() string { return "nats://127.0.0.1:" + strconv.Itoa(s.port) }

// Start starts the server (again, after Stop) on the same port and store, and waits until it accepts
// connections.
func (s *NATSServer) Start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "-js", "-a", "127.0.0.1", "-p", strconv.Itoa(s.port), "-sd", filepath.Join(s.dir, "js"),
		"-l", filepath.Join(s.dir, "nats.log"))
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.bin, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("nats-server on port %d did not start: %v", s.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. Stopping a stopped
// server does nothing.
func (s *NATSServer) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// Restart stops the server and starts it again on the same port and store.
func (s *NATSServer) Restart() {
	s.t.Helper()
	s.Stop()
	s.Start()
}
