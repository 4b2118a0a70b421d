package discord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// Notices is what one notices run sent.
type Notices struct {
	Epochs    int `json:"epochs"`    // closed epochs looked at
	Announced int `json:"announced"` // channel announcements sent
	DMs       int `json:"dms"`       // payout DMs sent
	OptedOut  int `json:"opted_out"` // paid members who opted out
}

// SendNotices announces each epoch whose payouts became claimable within NoticeWindow (service.Claimable:
// with a witness committee, once it is published) once in the announce channel (the top earners and the
// totals) and DMs each paid member linked to a Discord user their amount and claim link, unless they opted
// out (/notify off). Every notice sent is recorded, and one recorded is never sent again, so a retried or
// repeated run sends only what a failed one did not. Each message carries a nonce made from its epoch and
// recipient (NoticeNonce) with enforce_nonce, so that a run which sent a message but died before recording
// it, retried within Discord's nonce window, gets the earlier message back instead of posting another.
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
			sent, err := b.Service.DiscordNoticeSent(ctx, ep.ID, announceRecipient)
			if err != nil {
				return res, err
			}
			if !sent {
				m := public(b.epochEmbed(n.Epoch.ID, n))
				m.Nonce, m.EnforceNonce = NoticeNonce(ep.ID, announceRecipient), true
				if _, err := b.REST.CreateMessage(b.AnnounceChannel, m, rest.WithCtx(ctx)); err != nil {
					return res, fmt.Errorf("discord notices: announce epoch %s: %w", ep.ID, err)
				}
				if err := b.Service.RecordDiscordNotice(ctx, ep.ID, announceRecipient); err != nil {
					return res, fmt.Errorf("discord notices: record the announcement of epoch %s: %w", ep.ID, err)
				}
				res.Announced++
			}
		}
		for _, p := range n.Paid {
			if p.OptedOut {
				res.OptedOut++
				continue
			}
			sent, err := b.Service.DiscordNoticeSent(ctx, ep.ID, p.User)
			if err != nil {
				return res, err
			}
			if sent {
				continue
			}
			user, err := snowflake.Parse(p.User)
			if err != nil {
				continue
			}
			ch, err := b.REST.CreateDMChannel(user, rest.WithCtx(ctx))
			if err != nil {
				return res, fmt.Errorf("discord notices: DM channel of %s: %w", p.User, err)
			}
			text := fmt.Sprintf("Epoch %s paid you %s (%s points).", ep.ID, formatUnits(p.Allocation.Paid, ep.Decimals), p.Allocation.Points)
			if l := b.claimLink(p.Allocation.Member, p.Allocation); l != "" {
				text += fmt.Sprintf(" [Claim it](%s).", l)
			}
			text += " /notify off stops these messages."
			m := discord.MessageCreate{Embeds: []discord.Embed{embed("Your payout", text)}, Nonce: NoticeNonce(ep.ID, p.User), EnforceNonce: true}
			if _, err := b.REST.CreateMessage(ch.ID(), m, rest.WithCtx(ctx)); err != nil {
				if status(err) == 403 { // DMs closed: nothing a retry would change
					b.logger().Info("discord notices: DMs closed", "user", p.User, "epoch", ep.ID)
				} else {
					return res, fmt.Errorf("discord notices: DM %s: %w", p.User, err)
				}
			} else {
				res.DMs++
			}
			if err := b.Service.RecordDiscordNotice(ctx, ep.ID, p.User); err != nil {
				return res, fmt.Errorf("discord notices: record the DM of epoch %s to %s: %w", ep.ID, p.User, err)
			}
		}
	}
	return res, nil
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
