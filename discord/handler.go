package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/httpserver"
	"github.com/disgoorg/disgo/rest"
)

// InteractionsPath is the route Discord posts interactions to (the application's Interactions Endpoint
// URL is PUBLIC_URL + InteractionsPath).
const InteractionsPath = "/discord/interactions"

// maxBody bounds an interaction's body: Discord's are a few kilobytes.
const maxBody = 64 << 10

// followUpTimeout bounds a deferred command's work: Discord keeps an interaction token 15 minutes.
const followUpTimeout = 14 * time.Minute

// ServeHTTP answers POST /discord/interactions. The signature (X-Signature-Ed25519 over
// X-Signature-Timestamp and the raw body) is checked before anything is parsed; a bad one, a timestamp
// more than five minutes away, or an interaction id seen before is 401 and changes nothing. PING gets
// PONG; a command answers at once when it finishes within Deadline, else it is deferred (type 5) and
// finished with a follow-up message.
func (b *Bot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if !httpserver.VerifyRequest(r, httpserver.PublicKey(b.PublicKey)) {
		var tooBig *http.MaxBytesError
		if _, err := io.Copy(io.Discard, r.Body); errors.As(err, &tooBig) {
			http.Error(w, "interaction body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(r.Body) // VerifyRequest put the verified bytes back
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-Signature-Timestamp"), 10, 64)
	if age := b.now().Sub(time.Unix(ts, 0)); err != nil || age > MaxAge || age < -MaxAge {
		http.Error(w, "stale or unreadable X-Signature-Timestamp", http.StatusUnauthorized)
		return
	}
	in, err := DecodeInteraction(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fresh, err := b.Service.DiscordInteractionSeen(r.Context(), in.ID().String())
	if err != nil {
		b.logger().Error("discord: record interaction", "id", in.ID().String(), "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !fresh {
		http.Error(w, "interaction already answered", http.StatusUnauthorized)
		return
	}
	switch in := in.(type) {
	case discord.PingInteraction:
		writeJSON(w, discord.InteractionResponse{Type: discord.InteractionResponseTypePong})
	case discord.ApplicationCommandInteraction:
		b.answer(w, r.Context(), in)
	default:
		writeJSON(w, message(ephemeral(errorEmbed("This kind of interaction is not supported: use the slash commands.")), discord.InteractionResponseTypeCreateMessage))
	}
}

// answer runs a command, answering within Deadline or deferring it to a follow-up.
func (b *Bot) answer(w http.ResponseWriter, reqCtx context.Context, in discord.ApplicationCommandInteraction) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(reqCtx), followUpTimeout)
	done := make(chan discord.MessageCreate, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				b.logger().Error("discord: command panicked", "command", in.Data.CommandName(), "panic", v)
				done <- ephemeral(errorEmbed("Something went wrong on our side: try again in a minute, and tell an admin if it keeps failing."))
			}
		}()
		done <- b.run(ctx, in)
	}()
	deadline := b.Deadline
	if deadline == 0 {
		deadline = 2500 * time.Millisecond
	}
	t := time.NewTimer(deadline)
	defer t.Stop()
	select {
	case m := <-done:
		cancel()
		writeJSON(w, message(m, discord.InteractionResponseTypeCreateMessage))
		return
	case <-t.C:
	}
	var flags discord.MessageFlags
	if ephemeralCommand(in.Data.CommandName()) {
		flags = discord.MessageFlagEphemeral
	}
	writeJSON(w, discord.InteractionResponse{Type: discord.InteractionResponseTypeDeferredCreateMessage, Data: discord.MessageCreate{Flags: flags}})
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		defer cancel()
		m := <-done
		if _, err := b.REST.CreateFollowupMessage(b.ApplicationID, in.Token(), m, rest.WithCtx(ctx)); err != nil {
			b.logger().Error("discord: follow-up", "command", in.Data.CommandName(), "err", err)
		}
	}()
}

func message(m discord.MessageCreate, t discord.InteractionResponseType) discord.InteractionResponse {
	return discord.InteractionResponse{Type: t, Data: m}
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// DecodeInteraction decodes a verified interaction body into disgo's types. It refuses what Discord never
// sends: no id, an application command without data or a user, or options of the wrong shape.
func DecodeInteraction(body []byte) (in discord.Interaction, err error) {
	defer func() {
		if v := recover(); v != nil { // disgo indexes options it has not checked (a subcommand without options)
			in, err = nil, fmt.Errorf("interaction: malformed: %v", v)
		}
	}()
	if !json.Valid(body) || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return nil, errors.New("interaction: want a JSON object")
	}
	in, err = discord.UnmarshalInteraction(body)
	if err != nil {
		return nil, fmt.Errorf("interaction: %w", err)
	}
	if in.ID() == 0 {
		return nil, errors.New("interaction: id missing")
	}
	if c, ok := in.(discord.ApplicationCommandInteraction); ok {
		if u, ok := userOf(c); !ok || u.ID == 0 {
			return nil, errors.New("interaction: no member or user")
		}
		if _, ok := c.Data.(discord.SlashCommandInteractionData); !ok {
			return nil, errors.New("interaction: only slash commands are supported")
		}
		if c.Token() == "" {
			return nil, errors.New("interaction: token missing")
		}
	}
	return in, nil
}

// userOf returns the interaction's user: member.user in a server, user in a DM. disgo's User() dereferences
// a missing member, so a body with neither is caught here.
func userOf(in discord.ApplicationCommandInteraction) (u discord.User, ok bool) {
	defer func() {
		if recover() != nil {
			u, ok = discord.User{}, false
		}
	}()
	return in.User(), true
}
