package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeDiscordAPI answers command registration like Discord's REST API and records the requests.
func fakeDiscordAPI(t *testing.T) (*httptest.Server, func() []string) {
	var (
		mu   sync.Mutex
		reqs []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bot bot-token" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"message":"401: Unauthorized","code":0}`)
			return
		}
		if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/commands") {
			w.Write(body) // Discord answers with the commands it now has
			return
		}
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"404: Not Found","code":0}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), reqs...) }
}

func discordDoc(store, addr, api string, pub ed25519.PublicKey) string {
	return fmt.Sprintf("store: %s\nlisten: %s\napi:\n  tokens: [env:PLAUDIT_TEST_TOKEN]\ndiscord:\n  application_id: \"1234567890\"\n"+
		"  public_key: %s\n  bot_token: env:PLAUDIT_TEST_DISCORD_TOKEN\n  api_url: %s\n  guild_id: \"987654321\"\n", store, addr, hex.EncodeToString(pub), api)
}

// TestServeDiscordInteractions: with a discord section, `plaudit serve` answers a signed PING on
// POST /discord/interactions without an API key and refuses a bad signature with 401.
func TestServeDiscordInteractions(t *testing.T) {
	t.Setenv("PLAUDIT_API_TOKENS", "")
	t.Setenv("PLAUDIT_TEST_TOKEN", "tok-discord")
	t.Setenv("PLAUDIT_TEST_DISCORD_TOKEN", "bot-token")
	pub, key, _ := ed25519.GenerateKey(nil)
	api, _ := fakeDiscordAPI(t)
	addr := freeAddr(t)
	startNeynarServe(t, discordDoc(filepath.Join(t.TempDir(), "p.db"), addr, api.URL, pub), addr)
	post := func(body string, k ed25519.PrivateKey) int {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/discord/interactions", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(k, []byte(ts+body))))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == 200 && strings.TrimSpace(string(b)) != `{"type":1}` {
			t.Fatalf("PING answered %s", b)
		}
		return resp.StatusCode
	}
	_, other, _ := ed25519.GenerateKey(nil)
	if st := post(`{"id":"800000000000000001","application_id":"1234567890","type":1,"token":"t","version":1}`, other); st != 401 {
		t.Fatalf("bad signature: %d", st)
	}
	if st := post(`{"id":"800000000000000001","application_id":"1234567890","type":1,"token":"t","version":1}`, key); st != 200 {
		t.Fatalf("signed PING: %d", st)
	}
}

// TestDiscordRegister: `plaudit discord register` bulk-overwrites the guild's commands with the bot token;
// without --config or a discord section it says what is missing.
func TestDiscordRegister(t *testing.T) {
	t.Setenv("PLAUDIT_TEST_TOKEN", "tok-discord")
	t.Setenv("PLAUDIT_TEST_DISCORD_TOKEN", "bot-token")
	pub, _, _ := ed25519.GenerateKey(nil)
	api, reqs := fakeDiscordAPI(t)
	cfg := writeConfig(t, discordDoc(filepath.Join(t.TempDir(), "p.db"), "127.0.0.1:0", api.URL, pub))
	out, code, err := execute(t, "discord", "register", "--config", cfg)
	if err != nil || code != 0 || strings.TrimSpace(out) != "registered 9 commands in server 987654321" {
		t.Fatalf("register: %q %d %v", out, code, err)
	}
	if got := reqs(); len(got) != 1 || got[0] != "PUT /applications/1234567890/guilds/987654321/commands Bot bot-token" {
		t.Fatalf("requests: %v", got)
	}
	if _, code, err := execute(t, "discord", "register"); code == 0 || err == nil || !strings.Contains(err.Error(), "--config: required") {
		t.Fatalf("without --config: %d %v", code, err)
	}
	noDiscord := writeConfig(t, "listen: 127.0.0.1:0\n")
	if _, code, err := execute(t, "discord", "register", "--config", noDiscord); code == 0 || !strings.Contains(fmt.Sprint(err), "no discord section") {
		t.Fatalf("without a discord section: %d %v", code, err)
	}
}
