package discord

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"

	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"
)

// RoleSync is what one role sync did.
type RoleSync struct {
	Checked int `json:"checked"` // linked Discord users looked at
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Absent  int `json:"absent"` // linked users no longer in the server
}

// roleFor returns the role of the highest configured tier at or below tier (0: none), and whether r is
// one of the tier roles the bot manages.
func (b *Bot) roleFor(tier int) snowflake.ID {
	best, role := 0, snowflake.ID(0)
	for t, r := range b.TierRoles {
		if t <= tier && t > best {
			best, role = t, r
		}
	}
	return role
}

// engRoleFor returns the role of the highest ENG threshold the weight (6 decimals) reaches (0: none).
func (b *Bot) engRoleFor(weight *big.Int) snowflake.ID {
	best, role := int64(0), snowflake.ID(0)
	for t, r := range b.ENGRoles {
		need := new(big.Int).Mul(big.NewInt(t), big.NewInt(1_000_000))
		if weight != nil && weight.Cmp(need) >= 0 && t > best {
			best, role = t, r
		}
	}
	return role
}

// SyncRoles gives each linked member the Discord role of their tier (discord.tier_roles: the role of the
// highest configured tier at or below theirs) and takes away the other tier roles, as token-gating bots
// do: a member who drops below a tier loses its role. With discord.eng_roles it does the same for the
// highest ENG threshold the member's governance weight reaches. Roles the bot does not manage are left alone. The
// REST client waits out Discord's rate limits (per-route buckets and 429 Retry-After).
func (b *Bot) SyncRoles(ctx context.Context) (RoleSync, error) {
	var res RoleSync
	if b.GuildID == 0 || len(b.TierRoles)+len(b.ENGRoles) == 0 {
		return res, nil
	}
	managed := map[snowflake.ID]bool{}
	for _, r := range b.TierRoles {
		managed[r] = true
	}
	for _, r := range b.ENGRoles {
		managed[r] = true
	}
	tiers, err := b.Service.DiscordTiers(ctx, len(b.ENGRoles) > 0)
	if err != nil {
		return res, err
	}
	for _, t := range tiers {
		user, err := snowflake.Parse(t.User)
		if err != nil {
			continue
		}
		res.Checked++
		m, err := b.REST.GetMember(b.GuildID, user, rest.WithCtx(ctx))
		if status(err) == http.StatusNotFound {
			res.Absent++
			continue
		} else if err != nil {
			return res, fmt.Errorf("discord role sync: member %s: %w", t.User, err)
		}
		var want []snowflake.ID
		for _, r := range []snowflake.ID{b.roleFor(t.Tier), b.engRoleFor(t.ENG)} {
			if r != 0 && !slices.Contains(want, r) {
				want = append(want, r)
			}
		}
		for _, r := range m.RoleIDs {
			if managed[r] && !slices.Contains(want, r) {
				if err := b.REST.RemoveMemberRole(b.GuildID, user, r, rest.WithCtx(ctx), rest.WithReason(fmt.Sprintf("plaudit: tier %d", t.Tier))); err != nil {
					return res, fmt.Errorf("discord role sync: remove role %s from %s: %w", r, t.User, err)
				}
				res.Removed++
			}
		}
		for _, r := range want {
			if slices.Contains(m.RoleIDs, r) {
				continue
			}
			if err := b.REST.AddMemberRole(b.GuildID, user, r, rest.WithCtx(ctx), rest.WithReason(fmt.Sprintf("plaudit: tier %d", t.Tier))); err != nil {
				return res, fmt.Errorf("discord role sync: add role %s to %s: %w", r, t.User, err)
			}
			res.Added++
		}
	}
	b.logger().Info("discord role sync done", "checked", res.Checked, "added", res.Added, "removed", res.Removed, "absent", res.Absent)
	return res, nil
}

// status returns the HTTP status of a REST error, 0 for other errors.
func status(err error) int {
	var e rest.Error
	if errors.As(err, &e) && e.Response != nil {
		return e.Response.StatusCode
	}
	var pe *rest.Error
	if errors.As(err, &pe) && pe.Response != nil {
		return pe.Response.StatusCode
	}
	return 0
}
