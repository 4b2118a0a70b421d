package eventio

import (
	"bytes"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/didkey"
)

func TestSigningBytes(t *testing.T) {
	ev := plaudit.Event{Source: plaudit.SourceAPI, ExternalID: "e1", Kind: plaudit.KindPost, Actor: "alice", Content: "hi",
		Time: time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC), Attrs: map[string]any{"b": "2", "a": "1"}}
	want := SigningDomain + `{"source":"api","id":"e1","kind":"post","actor":"alice","content":"hi","time":"2026-11-16T12:00:00Z","attrs":{"a":"1","b":"2"}}`
	got, err := SigningBytes(&ev)
	if err != nil || string(got) != want {
		t.Fatalf("SigningBytes = %q, %v\nwant %q", got, err, want)
	}
	ev.Attrs[SignatureAttr] = "did:key:x;sig=y"
	if got2, _ := SigningBytes(&ev); !bytes.Equal(got2, got) {
		t.Fatalf("attrs.signature changed the signing bytes: %q", got2)
	}
	if _, ok := ev.Attrs[SignatureAttr]; !ok {
		t.Fatal("SigningBytes removed attrs.signature from the caller's event")
	}
	only := plaudit.Event{Source: plaudit.SourceAPI, ExternalID: "e2", Kind: plaudit.KindLike, Actor: "bob", Time: ev.Time,
		Attrs: map[string]any{SignatureAttr: "x"}}
	if got, _ := SigningBytes(&only); strings.Contains(string(got), "attrs") {
		t.Fatalf("an event whose only attr is the signature signs %q, want no attrs", got)
	}
}

func TestParseSignature(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	did := didkey.Format(priv.Public().(ed25519.PublicKey))
	sig := ed25519.Sign(priv, []byte("m"))
	d, s, err := ParseSignature(FormatSignature(did, sig))
	if err != nil || d != did || !bytes.Equal(s, sig) {
		t.Fatalf("round trip: %s %x %v", d, s, err)
	}
	for _, c := range []struct{ in, want string }{
		{did, "want"},
		{"did:web:x;sig=AAAA", "did:key"},
		{did + ";sig=" + strings.Repeat("A", 85), "base64url"},
		{did + ";sig=" + FormatSignature("", sig[:63])[5:], "63 bytes"},
		{did + ";sig=" + FormatSignature("", sig)[5:] + "==", "base64url"},
		{strings.Repeat("x", 300), "too long"},
	} {
		if _, _, err := ParseSignature(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSignature(%q) = %v, want an error containing %q", c.in, err, c.want)
		}
	}
}

// FuzzParseSignature: ParseSignature never panics, and what it accepts formats back to the same value.
func FuzzParseSignature(f *testing.F) {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	did := didkey.Format(priv.Public().(ed25519.PublicKey))
	f.Add(FormatSignature(did, ed25519.Sign(priv, []byte("m"))))
	f.Add(did + ";sig=")
	f.Add(";sig=AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		d, sig, err := ParseSignature(s)
		if err != nil {
			return
		}
		if got := FormatSignature(d, sig); got != s {
			t.Fatalf("ParseSignature(%q) accepted what formats as %q", s, got)
		}
	})
}
