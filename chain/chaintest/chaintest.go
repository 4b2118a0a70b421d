// Package chaintest is a fake EVM node for tests: an httptest server speaking JSON-RPC 2.0 as a real node
// does (eth_blockNumber, eth_call of Permit2's nonceBitmap and of ERC-20 balanceOf and allowance,
// eth_getLogs), over state the test sets. Unknown methods get JSON-RPC's -32601, malformed requests -32700
// or -32600, and a call to an address with no contract returns "0x", as on a real chain.
package chaintest

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/plaudit/plaudit/chain"
	"github.com/plaudit/plaudit/payout"
)

// Node is the fake node's state. Set it with its methods; they are safe while the server runs.
type Node struct {
	mu         sync.Mutex
	block      uint64
	permit2    map[payout.Address]bool
	tokens     map[payout.Address]bool
	bitmaps    map[string]*big.Int
	balances   map[string]*big.Int
	allowances map[string]*big.Int
	logs       []chain.Log
	methods    []string
	// URL is the node's JSON-RPC endpoint.
	URL string
}

// New starts a fake node at block 1000 with a Permit2 contract at permit2, closed when t ends.
func New(t testing.TB, permit2 payout.Address) *Node {
	n := &Node{block: 1000, permit2: map[payout.Address]bool{permit2: true}, tokens: map[payout.Address]bool{},
		bitmaps: map[string]*big.Int{}, balances: map[string]*big.Int{}, allowances: map[string]*big.Int{}}
	srv := httptest.NewServer(http.HandlerFunc(n.serve))
	t.Cleanup(srv.Close)
	n.URL = srv.URL
	return n
}

func key(parts ...fmt.Stringer) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = strings.ToLower(p.String())
	}
	return strings.Join(s, "|")
}

// SetBlock sets the latest block number.
func (n *Node) SetBlock(b uint64) { n.mu.Lock(); n.block = b; n.mu.Unlock() }

// UseNonce sets nonce's bit in owner's Permit2 bitmap, as a claim or an invalidation does.
func (n *Node) UseNonce(owner payout.Address, nonce *big.Int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	word := new(big.Int).Rsh(nonce, 8)
	k := key(owner, word)
	bm := n.bitmaps[k]
	if bm == nil {
		bm = new(big.Int)
	}
	n.bitmaps[k] = new(big.Int).SetBit(bm, int(new(big.Int).And(nonce, big.NewInt(255)).Int64()), 1)
}

// SetBalance sets token's balanceOf(owner) (and makes token a contract).
func (n *Node) SetBalance(token, owner payout.Address, v *big.Int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.tokens[token] = true
	n.balances[key(token, owner)] = new(big.Int).Set(v)
}

// SetAllowance sets token's allowance(owner, spender) (and makes token a contract).
func (n *Node) SetAllowance(token, owner, spender payout.Address, v *big.Int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.tokens[token] = true
	n.allowances[key(token, owner, spender)] = new(big.Int).Set(v)
}

// AddLog adds an event log that eth_getLogs answers.
func (n *Node) AddLog(l chain.Log) { n.mu.Lock(); n.logs = append(n.logs, l); n.mu.Unlock() }

// Methods returns the methods called so far, in order.
func (n *Node) Methods() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.methods...)
}

type rpcRequest struct {
	JSONRPC string            `json:"jsonrpc"`
	ID      json.RawMessage   `json:"id"`
	Method  string            `json:"method"`
	Params  []json.RawMessage `json:"params"`
}

func reply(w http.ResponseWriter, id json.RawMessage, result any, code int, msg string) {
	if id == nil {
		id = json.RawMessage("null")
	}
	out := map[string]any{"jsonrpc": "2.0", "id": id}
	if msg != "" {
		out["error"] = map[string]any{"code": code, "message": msg}
	} else {
		out["result"] = result
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (n *Node) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		http.Error(w, "unsupported content type", http.StatusUnsupportedMediaType)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var req rpcRequest
	if err := json.Unmarshal(body, &req); err != nil {
		reply(w, nil, nil, -32700, "parse error")
		return
	}
	if req.JSONRPC != "2.0" || req.Method == "" {
		reply(w, req.ID, nil, -32600, "invalid request")
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.methods = append(n.methods, req.Method)
	switch req.Method {
	case "eth_blockNumber":
		reply(w, req.ID, "0x"+strconv.FormatUint(n.block, 16), 0, "")
	case "eth_call":
		n.ethCall(w, req)
	case "eth_getLogs":
		n.getLogs(w, req)
	default:
		reply(w, req.ID, nil, -32601, "the method "+req.Method+" does not exist/is not available")
	}
}

func word(b []byte, i int) []byte { return b[4+32*i : 4+32*(i+1)] }

func wordAddress(w []byte) payout.Address { return payout.Address(w[12:32]) }

func (n *Node) ethCall(w http.ResponseWriter, req rpcRequest) {
	var call struct {
		To   payout.Address `json:"to"`
		Data string         `json:"data"`
	}
	var block string
	if len(req.Params) != 2 || json.Unmarshal(req.Params[0], &call) != nil || json.Unmarshal(req.Params[1], &block) != nil {
		reply(w, req.ID, nil, -32602, "invalid params")
		return
	}
	data, err := hex.DecodeString(strings.TrimPrefix(call.Data, "0x"))
	if err != nil || len(data) < 4 || (len(data)-4)%32 != 0 {
		reply(w, req.ID, nil, -32602, "invalid params: data")
		return
	}
	sel := hex.EncodeToString(data[:4])
	args := (len(data) - 4) / 32
	var v *big.Int
	switch {
	case n.permit2[call.To] && sel == "4fe02b44" && args == 2: // nonceBitmap(address,uint256)
		v = n.bitmaps[key(wordAddress(word(data, 0)), new(big.Int).SetBytes(word(data, 1)))]
	case n.tokens[call.To] && sel == "70a08231" && args == 1: // balanceOf(address)
		v = n.balances[key(call.To, wordAddress(word(data, 0)))]
	case n.tokens[call.To] && sel == "dd62ed3e" && args == 2: // allowance(address,address)
		v = n.allowances[key(call.To, wordAddress(word(data, 0)), wordAddress(word(data, 1)))]
	case n.permit2[call.To] || n.tokens[call.To]:
		reply(w, req.ID, nil, 3, "execution reverted")
		return
	default:
		reply(w, req.ID, "0x", 0, "") // no code at that address: the call returns nothing
		return
	}
	var out [32]byte
	if v != nil {
		v.FillBytes(out[:])
	}
	reply(w, req.ID, "0x"+hex.EncodeToString(out[:]), 0, "")
}

func (n *Node) getLogs(w http.ResponseWriter, req rpcRequest) {
	var f struct {
		Address   payout.Address `json:"address"`
		FromBlock string         `json:"fromBlock"`
		Topics    []*payout.Hash `json:"topics"`
	}
	if len(req.Params) != 1 || json.Unmarshal(req.Params[0], &f) != nil {
		reply(w, req.ID, nil, -32602, "invalid params")
		return
	}
	from, err := strconv.ParseUint(strings.TrimPrefix(f.FromBlock, "0x"), 16, 64)
	if err != nil {
		reply(w, req.ID, nil, -32602, "invalid params: fromBlock")
		return
	}
	out := []map[string]any{}
	for _, l := range n.logs {
		if l.Address != f.Address || l.BlockNumber < from || len(l.Topics) < len(f.Topics) {
			continue
		}
		match := true
		for i, t := range f.Topics {
			match = match && (t == nil || *t == l.Topics[i])
		}
		if !match {
			continue
		}
		out = append(out, map[string]any{"address": strings.ToLower(l.Address.String()), "topics": l.Topics,
			"data": "0x" + hex.EncodeToString(l.Data), "blockNumber": "0x" + strconv.FormatUint(l.BlockNumber, 16),
			"transactionHash": l.TxHash, "logIndex": "0x0", "removed": false})
	}
	reply(w, req.ID, out, 0, "")
}
