package discord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/plaudit/plaudit/service"
)

// NoticeWindow is how far back epochs are announced: an epoch whose payouts became claimable (published)
// longer ago than this (say, before the bot was set up) is never announced.
const NoticeWindow = 7 * 24 * time.Hour

// announceRecipient is the recipient name of an epoch's channel announcement in the notices sent.
const announceRecipient = "announce"

// DefaultNonceWindow is how long after a notice's first send the bot counts on Discord to still answer its
// nonce with the earlier message (Bot.NonceWindow when 0). Discord says only "the past few minutes", so
// the bot assumes two.
const DefaultNonceWindow = 2 * time.Minute

// Notices is what one notices run sent.
type Notices struct {
	Epochs    int `json:"epochs"`    // claimable epochs looked at
	Announced int `json:"announced"` // channel announcements sent
	DMs       int `json:"dms"`       // payout DMs sent
	OptedOut  int `json:"opted_out"` // paid members who opted out
	// Uncertain counts notices whose send began in a run that died before recording it, longer ago than
	// the nonce window: they may have been posted, so they are recorded as sent and not sent again.
	Uncertain int `json:"uncertain"`
}

// SendNotices announces each epoch whose payouts became claimable within NoticeWindow (service.Claimable:
// with a witness committee, once it is published) once in the announce channel (the top earners and the
// totals) and DMs each paid member linked to a Discord user their amount and claim link, unless they opted
// out (/notify off). Each notice goes through deliver: never posted twice, and posted once unless a run
// died in the middle of its send and the retry came after the nonce window (then it is counted Uncertain).
func (b *Bot) SendNotices(ctx context.Context) (Notices, error) {
	var res Notices
	ns, err := b.Service.DiscordEpochNotices(ctx, b.now().Add(-NoticeWindow), 5)
	if err != nil {
		return res, err
	}
	for _, n := range ns {
		res.Epochs++
		ep := n.Epoch
		if b.AnnounceChannel != 0 {
			m := public(b.epochEmbed(n.Epoch.ID, n))
			m.Nonce, m.EnforceNonce = NoticeNonce(ep.ID, announceRecipient), true
			out, err := b.deliver(ctx, ep.ID, announceRecipient, func() error {
				_, err := b.REST.CreateMessage(b.AnnounceChannel, m, rest.WithCtx(ctx))
				return err
			})
			if err != nil {
				return res, fmt.Errorf("discord notices: announce epoch %s: %w", ep.ID, err)
			}
			res.count(out, &res.Announced)
		}
		for _, p := range n.Paid {
			if p.OptedOut {
				res.OptedOut++
				continue
			}
			user, err := snowflake.Parse(p.User)
			if err != nil {
				continue
			}
			text := fmt.Sprintf("Epoch %s paid you %s (%s points).", ep.ID, formatUnits(p.Allocation.Paid, ep.Decimals), p.Allocation.Points)
			if l := b.claimLink(p.Allocation.Member, p.Allocation); l != "" {
				text += fmt.Sprintf(" [Claim it](%s).", l)
			}
			text += " /notify off stops these messages."
			m := discord.MessageCreate{Embeds: []discord.Embed{embed("Your payout", text)}, Nonce: NoticeNonce(ep.ID, p.User), EnforceNonce: true}
			out, err := b.deliver(ctx, ep.ID, p.User, func() error {
				ch, err := b.REST.CreateDMChannel(user, rest.WithCtx(ctx))
				if err != nil {
					return fmt.Errorf("DM channel: %w", err)
				}
				_, err = b.REST.CreateMessage(ch.ID(), m, rest.WithCtx(ctx))
				return err
			})
			if err != nil {
				return res, fmt.Errorf("discord notices: DM %s: %w", p.User, err)
			}
			res.count(out, &res.DMs)
		}
	}
	return res, nil
}

func (n *Notices) count(o outcome, sent *int) {
	switch o {
	case outcomeSent:
		*sent++
	case outcomeUncertain:
		n.Uncertain++
	}
}

// outcome is what deliver did with one notice.
type outcome int

const (
	outcomeDone      outcome = iota // recorded before: nothing sent
	outcomeSent                     // sent (or, within the nonce window, answered with the earlier message) and recorded
	outcomeUncertain                // an earlier run's send may have posted it, beyond the nonce window: recorded, not sent
	outcomeClosed                   // the member's DMs are closed (403): recorded, nothing a retry would change
)

// deliver sends the notice of epoch to recipient with send, at most once:
//
//  1. a notice recorded as sent is skipped;
//  2. otherwise a "sending" marker is written before the send (kept with its first time if a failed run
//     left one);
//  3. after the send the notice is recorded and the marker dropped.
//
// A run that dies between 2 and 3 leaves the marker. Its retry, within the nonce window of the marker's
// time, sends again with the same nonce, and Discord answers with the message the first send posted, if it
// did; after the window the nonce would no longer hold, so the notice is recorded as sent without sending
// (counted Uncertain, logged). A send Discord refused with an error status that proves nothing was posted
// (any 4xx, 500, 503) drops the marker of a first attempt, so that a later run starts afresh; a 502, 504 or
// transport error leaves it, as the message may have been posted.
func (b *Bot) deliver(ctx context.Context, epoch, recipient string, send func() error) (outcome, error) {
	sent, since, err := b.Service.DiscordNoticeState(ctx, epoch, recipient)
	if err != nil {
		return 0, err
	}
	if sent {
		return outcomeDone, nil
	}
	first := since.IsZero()
	window := b.NonceWindow
	if window <= 0 {
		window = DefaultNonceWindow
	}
	if !first && b.now().Sub(since) >= window {
		b.logger().Warn("discord notices: a send begun before Discord's nonce window was never recorded; recorded as sent without sending again, so that it is never posted twice",
			"epoch", epoch, "recipient", recipient, "since", since)
		if err := b.Service.RecordDiscordNotice(ctx, epoch, recipient); err != nil {
			return 0, err
		}
		return outcomeUncertain, nil
	}
	if first {
		if err := b.Service.MarkDiscordNoticeSending(ctx, epoch, recipient); err != nil {
			return 0, err
		}
	}
	out := outcomeSent
	if err := send(); err != nil {
		st := status(err)
		switch {
		case st == 403 && recipient != announceRecipient: // DMs closed: nothing a retry would change
			b.logger().Info("discord notices: DMs closed", "user", recipient, "epoch", epoch)
			out = outcomeClosed
		case first && (st >= 400 && st < 500 || st == 500 || st == 503):
			if cerr := b.Service.ClearDiscordNoticeSending(ctx, epoch, recipient); cerr != nil {
				return 0, errors.Join(err, cerr)
			}
			return 0, err
		default:
			return 0, err
		}
	}
	if err := b.Service.RecordDiscordNotice(ctx, epoch, recipient); err != nil {
		return 0, fmt.Errorf("record the notice: %w", err)
	}
	return out, nil
}

// NoticeNonce is the nonce of the notice of epoch to recipient ("announce" or a Discord user id): the
// first 25 hex digits (Discord's limit is 25 characters) of the SHA-256 of "plaudit-notice", epoch and
// recipient, NUL-separated. The same notice always has the same nonce, and Discord, told enforce_nonce,
// answers a message whose nonce its author used within the last few minutes with that earlier message.
func NoticeNonce(epoch, recipient string) string {
	sum := sha256.Sum256([]byte("plaudit-notice\x00" + epoch + "\x00" + recipient))
	return hex.EncodeToString(sum[:])[:25]
}

// epochEmbed is an epoch's announcement: the top earners and the totals.
func (b *Bot) epochEmbed(id string, n service.EpochNotice) discord.Embed {
	ep := n.Epoch
	var lines []string
	for i, a := range n.Top {
		lines = append(lines, fmt.Sprintf("%d. %s: %s (%s points)", i+1, a.Member, formatUnits(a.Paid, ep.Decimals), a.Points))
	}
	desc := strings.Join(lines, "\n")
	if desc == "" {
		desc = "Nobody earned points in this epoch."
	}
	if l := b.publicLink("/epochs/" + url.PathEscape(id)); l != "" {
		desc += fmt.Sprintf("\n[Reward file, Merkle root and how to verify them](%s) · [claim yours](%s)", l, b.publicLink("/claim"))
	}
	return embed("Epoch closed: "+id, desc,
		field("Paid", formatUnits(ep.Paid, ep.Decimals), true), field("Members", fmt.Sprint(ep.Members), true),
		field("Events", fmt.Sprint(ep.Events), true))
}
