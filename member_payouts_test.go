package plaudit

import (
	"bytes"
	"reflect"
	"testing"
)

// TestEncodeMemberPayouts checks the encoding's bytes (uvarint lengths, member order), that decoding gives
// back the members in that order, and that truncated or corrupt bytes are refused.
func TestEncodeMemberPayouts(t *testing.T) {
	ms := []MemberPayout{
		{Member: "zed", Kind: MemberCommunity, Wallet: "0xab"},
		{Member: "ann", Kind: MemberProject},
	}
	got := EncodeMemberPayouts(ms)
	want := []byte("\x03ann\x07project\x00\x03zed\x09community\x040xab")
	if !bytes.Equal(got, want) {
		t.Fatalf("EncodeMemberPayouts = %q, want %q", got, want)
	}
	if ms[0].Member != "zed" {
		t.Fatal("EncodeMemberPayouts sorted its argument")
	}
	back, err := DecodeMemberPayouts(got)
	if err != nil || !reflect.DeepEqual(back, []MemberPayout{ms[1], ms[0]}) {
		t.Fatalf("DecodeMemberPayouts = %+v, %v", back, err)
	}
	if back, err := DecodeMemberPayouts(nil); err != nil || len(back) != 0 {
		t.Fatalf("DecodeMemberPayouts of nothing = %+v, %v; want none", back, err)
	}
	for n := 1; n < len(want); n++ {
		if n == len("\x03ann\x07project\x00") {
			continue // a whole entry
		}
		if _, err := DecodeMemberPayouts(want[:n]); err == nil {
			t.Errorf("DecodeMemberPayouts of the first %d bytes: no error", n)
		}
	}
	if _, err := DecodeMemberPayouts([]byte("\x00\x00\x00")); err == nil {
		t.Error("DecodeMemberPayouts of an entry without a member: no error")
	}
	if _, err := DecodeMemberPayouts([]byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")); err == nil {
		t.Error("DecodeMemberPayouts of an overlong length: no error")
	}
}
