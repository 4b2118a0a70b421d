package main

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestPeakSampler checks that --peakprofile's sampler writes a heap profile when the live heap grows, keeps
// it when the heap shrinks (the file holds the largest), and writes a whole gzipped profile each time.
func TestPeakSampler(t *testing.T) {
	path := filepath.Join(t.TempDir(), "peak.pprof")
	p, err := startPeakSampler(path, 1<<62) // the ticker never fires: the test samples by hand
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = byte(i)
	}
	runtime.GC()
	if err := p.sample(); err != nil {
		t.Fatal(err)
	}
	if p.largest < 64<<20 {
		t.Fatalf("largest live heap %d bytes, want at least the 64 MiB held", p.largest)
	}
	first := readProfile(t, path)
	runtime.KeepAlive(big)
	big = nil
	runtime.GC()
	held := p.largest
	if err := p.sample(); err != nil {
		t.Fatal(err)
	}
	if p.largest != held {
		t.Fatalf("after the heap shrank the sampler wrote again: largest %d, was %d", p.largest, held)
	}
	if again := readProfile(t, path); string(again) != string(first) {
		t.Fatal("the profile of the largest heap was replaced by a smaller one")
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(path + ".*"); len(m) != 0 {
		t.Fatalf("temporary files left: %v", m)
	}
}

// TestPeakSamplerShortCommand checks that a command ending before the first tick still gets a profile, and
// that an unwritable path is refused up front naming the flag.
func TestPeakSamplerShortCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "peak.pprof")
	p, err := startPeakSampler(path, 1<<62)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	readProfile(t, path)
	if _, err := startPeakSampler(filepath.Join(t.TempDir(), "missing", "peak.pprof"), 1<<62); err == nil || !strings.Contains(err.Error(), "--peakprofile") {
		t.Fatalf("unwritable path: got %v, want an error naming --peakprofile", err)
	}
}

func readProfile(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s is not a gzipped profile: %v", path, err)
	}
	b, err := io.ReadAll(z)
	if err != nil || len(b) == 0 {
		t.Fatalf("%s: %d bytes, %v", path, len(b), err)
	}
	return b
}
