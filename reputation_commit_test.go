package plaudit

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"reflect"
	"testing"
)

// TestEncodeTrust: the encoding is what ReputationHash has always hashed (written out by hand here: length,
// id, float64 bits, in member order), and DecodeTrust reads it back exactly and refuses truncated bytes.
func TestEncodeTrust(t *testing.T) {
	vs := []TrustValue{{"zoe", math.Float64bits(0.25)}, {"al", math.Float64bits(0.75)}}
	want := []byte{0, 0, 0, 2, 'a', 'l', 0x3f, 0xe8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 'z', 'o', 'e', 0x3f, 0xd0, 0, 0, 0, 0, 0, 0}
	got := EncodeTrust(vs)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("EncodeTrust = %x, want %x", got, want)
	}
	if vs[0].Member != "zoe" {
		t.Fatal("EncodeTrust sorted its argument")
	}
	sum := sha256.Sum256(want)
	if h := ReputationHash(vs); h != hex.EncodeToString(sum[:]) {
		t.Fatalf("ReputationHash = %s, want the SHA-256 of the encoding", h)
	}
	back, err := DecodeTrust(got)
	if err != nil || !reflect.DeepEqual(back, []TrustValue{vs[1], vs[0]}) {
		t.Fatalf("DecodeTrust = %v, %v", back, err)
	}
	if vs, err := DecodeTrust(nil); err != nil || len(vs) != 0 {
		t.Fatalf("DecodeTrust of nothing = %v, %v; want the empty vector", vs, err)
	}
	for _, n := range []int{1, 5, len(want) - 1} {
		if _, err := DecodeTrust(want[:n]); err == nil {
			t.Errorf("DecodeTrust of the first %d bytes: no error", n)
		}
	}
}
