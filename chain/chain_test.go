package chain_test

import (
	"context"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/chain"
	"github.com/plaudit/plaudit/chain/chaintest"
	"github.com/plaudit/plaudit/payout"
)

func addr(t *testing.T, s string) payout.Address {
	t.Helper()
	a, err := payout.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestClientAgainstFakeNode: every read goes out as JSON-RPC 2.0 and decodes what a node answers.
func TestClientAgainstFakeNode(t *testing.T) {
	ctx := context.Background()
	owner := addr(t, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
	token := addr(t, "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")
	node := chaintest.New(t, payout.CanonicalPermit2)
	c, err := chain.New(node.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	node.SetBlock(0x1234)
	if b, err := c.BlockNumber(ctx); err != nil || b != 0x1234 {
		t.Fatalf("block %d %v", b, err)
	}
	nonce := new(big.Int).Lsh(big.NewInt(7), 8) // word 7, bit 0
	nonce.Add(nonce, big.NewInt(200))           // bit 200
	node.UseNonce(owner, nonce)
	bm, err := c.NonceBitmap(ctx, payout.CanonicalPermit2, owner, big.NewInt(7))
	if err != nil || bm.Bit(200) != 1 || bm.Bit(199) != 0 {
		t.Fatalf("bitmap %x %v", bm, err)
	}
	if bm, err := c.NonceBitmap(ctx, payout.CanonicalPermit2, owner, big.NewInt(8)); err != nil || bm.Sign() != 0 {
		t.Fatalf("other word %x %v", bm, err)
	}
	node.SetBalance(token, owner, big.NewInt(5_000_000))
	node.SetAllowance(token, owner, payout.CanonicalPermit2, big.NewInt(3_000_000))
	if v, err := c.BalanceOf(ctx, token, owner); err != nil || v.Int64() != 5_000_000 {
		t.Fatalf("balance %v %v", v, err)
	}
	if v, err := c.Allowance(ctx, token, owner, payout.CanonicalPermit2); err != nil || v.Int64() != 3_000_000 {
		t.Fatalf("allowance %v %v", v, err)
	}
	// An address without a contract returns nothing: the error says so instead of reading zero.
	if _, err := c.BalanceOf(ctx, owner, owner); err == nil || !strings.Contains(err.Error(), "0 bytes") {
		t.Fatalf("balanceOf a wallet: %v", err)
	}
	tx := payout.Keccak256([]byte("tx"))
	spender := addr(t, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
	amount := make([]byte, 32)
	big.NewInt(42).FillBytes(amount)
	node.AddLog(chain.Log{Address: token, Topics: []payout.Hash{chain.TopicTransfer, chain.AddressTopic(owner), chain.AddressTopic(spender)},
		Data: amount, BlockNumber: 900, TxHash: tx})
	from, to := chain.AddressTopic(owner), chain.AddressTopic(spender)
	logs, err := c.Logs(ctx, token, 800, []*payout.Hash{&chain.TopicTransfer, &from, &to})
	if err != nil || len(logs) != 1 || logs[0].TxHash != tx || new(big.Int).SetBytes(logs[0].Data).Int64() != 42 || logs[0].BlockNumber != 900 {
		t.Fatalf("logs %+v %v", logs, err)
	}
	if logs, err := c.Logs(ctx, token, 901, []*payout.Hash{&chain.TopicTransfer}); err != nil || len(logs) != 0 {
		t.Fatalf("logs after the block: %+v %v", logs, err)
	}
	want := []string{"eth_blockNumber", "eth_call", "eth_call", "eth_call", "eth_call", "eth_call", "eth_getLogs", "eth_getLogs"}
	if got := node.Methods(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("methods %v", got)
	}
}

// TestClientErrors: node errors, wrong answers and bad URLs are errors that never quote the URL.
func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := chain.New("ftp://x", nil); err == nil {
		t.Fatal("ftp URL accepted")
	}
	for name, body := range map[string]string{
		"rpc error":  `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"header not found"}}`,
		"wrong id":   `{"jsonrpc":"2.0","id":99,"result":"0x1"}`,
		"not json":   `<html>`,
		"no result":  `{"jsonrpc":"2.0","id":1,"result":null}`,
		"bad number": `{"jsonrpc":"2.0","id":1,"result":"12"}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(body)) }))
		c, _ := chain.New(srv.URL+"/secret-api-key", nil)
		_, err := c.BlockNumber(ctx)
		srv.Close()
		if err == nil || strings.Contains(err.Error(), "secret-api-key") {
			t.Errorf("%s: %v", name, err)
		}
	}
	c, _ := chain.New("http://127.0.0.1:1/secret-api-key", nil)
	if _, err := c.BlockNumber(ctx); err == nil || strings.Contains(err.Error(), "secret-api-key") {
		t.Fatalf("unreachable node: %v", err)
	}
	node := chaintest.New(t, payout.CanonicalPermit2)
	c, _ = chain.New(node.URL, nil)
	tok := payout.Address{1}
	node.SetBalance(tok, tok, big.NewInt(1))
	// A known contract reverts on a call it does not implement: the node's error comes back.
	if _, err := c.NonceBitmap(ctx, tok, tok, big.NewInt(0)); err == nil || !strings.Contains(err.Error(), "execution reverted") {
		t.Fatalf("revert: %v", err)
	}
}
