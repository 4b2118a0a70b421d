package chain

import (
	"math/big"
	"testing"

	"github.com/plaudit/plaudit/payout"
)

// FuzzDecodeAnswer feeds arbitrary node answers to the decoding of each result type: no panic, and a
// quantity or data that decodes is well-formed.
func FuzzDecodeAnswer(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"result":"0x10"}`,
		`{"jsonrpc":"2.0","id":1,"result":"0x` + "00000000000000000000000000000000000000000000000000000000000000ff" + `"}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"x"}}`,
		`{"jsonrpc":"2.0","id":1,"result":[{"address":"0x000000000022d473030f116ddee9f6b43ac78ba3","topics":[],"data":"0x","blockNumber":"0x1","transactionHash":"0x` + "11111111111111111111111111111111111111111111111111111111111111aa" + `"}]}`,
		`{"jsonrpc":"2.0","id":"1","result":null}`, `[]`, `null`, `{"result":"0x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var s string
		if decodeAnswer("m", 1, raw, &s) == nil {
			if v, err := parseQuantity(s); err == nil && (v.Sign() < 0 || v.BitLen() > 256) {
				t.Fatalf("quantity %q gave %v", s, v)
			}
			if b, err := parseData(s); err == nil && len(b)*2+2 != len(s) {
				t.Fatalf("data %q gave %d bytes", s, len(b))
			}
		}
		var logs []rawLog
		_ = decodeAnswer("m", 1, raw, &logs)
		_ = uintWord(new(big.Int).SetBytes(raw))
		_ = AddressTopic(payout.Address{})
	})
}
