package discord

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strings"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/x"
)

// Embed colours: Plaudit's green for answers, red for refusals.
const (
	colorOK    = 0x2ecc71
	colorError = 0xe74c3c
)

func embed(title, desc string, fields ...discord.EmbedField) discord.Embed {
	return discord.Embed{Title: title, Description: desc, Color: colorOK, Fields: fields}
}

func field(name, value string, inline bool) discord.EmbedField {
	return discord.EmbedField{Name: name, Value: value, Inline: &inline}
}

func errorEmbed(desc string) discord.Embed {
	return discord.Embed{Title: "Not done", Description: desc, Color: colorError}
}

func ephemeral(e ...discord.Embed) discord.MessageCreate {
	return discord.MessageCreate{Embeds: e, Flags: discord.MessageFlagEphemeral, AllowedMentions: &discord.AllowedMentions{}}
}

func public(e ...discord.Embed) discord.MessageCreate {
	return discord.MessageCreate{Embeds: e, AllowedMentions: &discord.AllowedMentions{}}
}

// failure turns an error into an ephemeral reply that says what to do next; internal errors are logged and
// never shown.
func (b *Bot) failure(cmd string, err error) discord.MessageCreate {
	switch plaudit.ErrorCode(err) {
	case plaudit.EINTERNAL:
		b.logger().Error("discord: command failed", "command", cmd, "err", err)
		return ephemeral(errorEmbed("Something went wrong on our side: try again in a minute, and tell an admin if it keeps failing."))
	default:
		msg := plaudit.ErrorMessage(err)
		var ve *plaudit.ValidationError
		if errors.As(err, &ve) && len(ve.Errors) > 0 {
			msg = ve.Errors[0].Error()
		}
		return ephemeral(errorEmbed(msg))
	}
}

// run answers one slash command.
func (b *Bot) run(ctx context.Context, in discord.ApplicationCommandInteraction) discord.MessageCreate {
	data := in.SlashCommandInteractionData()
	user := in.User()
	name := data.CommandName()
	var (
		m   discord.MessageCreate
		err error
	)
	switch name {
	case "connect":
		m, err = b.connect(ctx, user, data.String("handle"))
	case "submit":
		m, err = b.submit(ctx, user, b.isAdmin(in), data.String("url"), data.String("category"))
	case "stats":
		target := user
		if u, ok := data.OptUser("user"); ok {
			target = u
		}
		m, err = b.stats(ctx, target)
	case "leaderboard":
		m, err = b.leaderboard(ctx, user, data.String("window"))
	case "tier", "verify":
		if !b.isAdmin(in) {
			return ephemeral(errorEmbed(fmt.Sprintf("/%s is for admins: ask someone with an admin role.", name)))
		}
		if name == "tier" {
			m, err = b.tier(ctx, user, data.User("user"), data.Int("level"))
		} else {
			m, err = b.verify(ctx, user, data.User("user"))
		}
	case "wallet":
		m, err = b.wallet(ctx, user, data.String("address"))
	case "claim":
		m, err = b.claim(ctx, user)
	case "notify":
		m, err = b.notify(ctx, user, data.String("setting"))
	default:
		return ephemeral(errorEmbed(fmt.Sprintf("Unknown command /%s: an admin should run `plaudit discord register`.", name)))
	}
	if err != nil {
		return b.failure(name, err)
	}
	return m
}

// isAdmin reports whether the caller holds one of the admin roles.
func (b *Bot) isAdmin(in discord.ApplicationCommandInteraction) bool {
	m := in.Member()
	if m == nil {
		return false
	}
	for _, r := range m.RoleIDs {
		if slices.Contains(b.AdminRoles, r) {
			return true
		}
	}
	return false
}

var errNoX = plaudit.Errorf(plaudit.EINVALID, "The X source is not configured on this server, so X accounts and posts cannot be checked: ask an admin to add the x section.")

// connect links the caller's X account: through X OAuth when configured (a one-time link), else
// unverified after looking the handle up on X.
func (b *Bot) connect(ctx context.Context, user discord.User, handle string) (discord.MessageCreate, error) {
	h, err := service.NormalizeXHandle(handle)
	if err != nil {
		return discord.MessageCreate{}, err
	}
	if b.OAuth != nil {
		o, err := b.Service.StartDiscordOAuth(ctx, user.ID.String(), user.Username, h)
		if err != nil {
			return discord.MessageCreate{}, err
		}
		link := b.publicLink(ConnectPath + "?state=" + url.QueryEscape(o.State))
		return ephemeral(embed("Prove that @"+h+" is yours",
			fmt.Sprintf("[Sign in with X](%s) as @%s to link it. The link works once, for %d minutes.", link, h, int(service.DiscordOAuthTTL.Minutes())))), nil
	}
	if b.X == nil {
		return discord.MessageCreate{}, errNoX
	}
	u, err := b.X.UserByUsername(ctx, h)
	if errors.Is(err, x.ErrNotFound) {
		return discord.MessageCreate{}, plaudit.Errorf(plaudit.ENOTFOUND, "X has no account @%s: check the spelling and try /connect again.", h)
	} else if err != nil {
		return discord.MessageCreate{}, err
	}
	l, err := b.Service.ConnectDiscord(ctx, service.DiscordConnect{User: user.ID.String(), UserName: user.Username, XID: u.ID, XUsername: u.Username})
	if err != nil {
		return discord.MessageCreate{}, err
	}
	if l.Verified {
		return ephemeral(embed("Linked @"+l.XUsername, "Your X account is linked and verified: you earn points and token payouts.")), nil
	}
	return ephemeral(embed("Linked @"+l.XUsername+" (unverified)",
		"You earn points from now on. Token payouts wait until an admin verifies the link: a wallet you register with /wallet is kept until then.")), nil
}

// submit records a post for tracking and announces it.
func (b *Bot) submit(ctx context.Context, user discord.User, admin bool, link, category string) (discord.MessageCreate, error) {
	id, err := ParsePostURL(link)
	if err != nil {
		return discord.MessageCreate{}, err
	}
	if len(category) > 100 {
		return discord.MessageCreate{}, plaudit.Errorf(plaudit.EINVALID, "category: at most 100 characters, got %d: shorten it", len(category))
	}
	if done, err := b.Service.DiscordSubmitted(ctx, id); err != nil {
		return discord.MessageCreate{}, err
	} else if done {
		return discord.MessageCreate{}, plaudit.Errorf(plaudit.ECONFLICT, "That post was submitted already and is being tracked: submit another one.")
	}
	if !admin {
		if _, err := b.Service.DiscordLinkOf(ctx, user.ID.String()); err != nil {
			return discord.MessageCreate{}, err
		}
	}
	if b.X == nil {
		return discord.MessageCreate{}, errNoX
	}
	pa, err := b.X.LookupPost(ctx, id)
	if errors.Is(err, x.ErrNotFound) {
		return discord.MessageCreate{}, plaudit.Errorf(plaudit.ENOTFOUND, "X does not show post %s (deleted, protected or mistyped?): check the link.", id)
	} else if err != nil {
		return discord.MessageCreate{}, err
	}
	postURL := "https://x.com/" + pa.Author.Username + "/status/" + id
	if pa.Author.Username == "" {
		postURL = "https://x.com/i/status/" + id
	}
	if _, err := b.Service.SubmitDiscord(ctx, service.DiscordSubmission{User: user.ID.String(), Admin: admin, PostID: id, AuthorID: pa.Author.ID,
		AuthorUsername: pa.Author.Username, URL: postURL, Category: category}); err != nil {
		return discord.MessageCreate{}, err
	}
	if b.AnnounceChannel != 0 {
		e := embed("New submission", fmt.Sprintf("%s by @%s, submitted by <@%s>. Like, repost or reply within 24 hours to earn points.", postURL, pa.Author.Username, user.ID))
		if category != "" {
			e.Fields = append(e.Fields, field("Category", category, true))
		}
		if _, err := b.REST.CreateMessage(b.AnnounceChannel, public(e), rest.WithCtx(ctx)); err != nil {
			b.logger().Warn("discord: announce submission", "post", id, "err", err)
		}
	}
	every := b.CheckEvery
	return ephemeral(embed("Submitted", fmt.Sprintf("%s is tracked for 24 hours: likes, reposts and replies from other members are checked every %s.", postURL, every))), nil
}

// stats shows a member's points, tier, rank and recent awards.
func (b *Bot) stats(ctx context.Context, user discord.User) (discord.MessageCreate, error) {
	st, err := b.Service.StatsDiscord(ctx, user.ID.String(), 5)
	if err != nil {
		return discord.MessageCreate{}, err
	}
	rank := "not ranked yet"
	if st.Rank > 0 {
		rank = fmt.Sprintf("#%d of %d", st.Rank, st.Members)
	}
	e := embed("Stats of @"+st.Link.XUsername, "Points after integrity checks.",
		field("All time", st.AllTime.String(), true), field("This week", st.Week.String(), true),
		field("Tier", fmt.Sprint(st.Tier), true), field("Rank", rank, true))
	if !st.Link.Verified {
		e.Fields = append(e.Fields, field("Link", "unverified: payouts wait until an admin verifies it", false))
	}
	var lines []string
	for _, sc := range st.Recent {
		reason := sc.Scorer
		if len(sc.Lines) > 0 {
			reason = sc.Lines[0].Rule
		}
		line := fmt.Sprintf("+%s %s", sc.Points, reason)
		if l := b.explainLink(st.Link.Member, sc.Epoch); l != "" && sc.Epoch != "" {
			line += fmt.Sprintf(" ([why](%s))", l)
		}
		lines = append(lines, line)
	}
	if len(lines) > 0 {
		e.Fields = append(e.Fields, field("Last awards", strings.Join(lines, "\n"), false))
	}
	if l := b.explainLink(st.Link.Member, ""); l != "" {
		e.Fields = append(e.Fields, field("Explained", fmt.Sprintf("[Your portal page](%s) explains every award of a published epoch, event by event "+
			"(sign in with your member key). Newer awards show their rule here until their epoch is published.", l), false))
	}
	return ephemeral(e), nil
}

// explainLink links the member portal's page of member (GET /m/HANDLE), at the section of epoch when one is
// given: that page's "why" lists each scored event of the epoch with its points and verdict. The portal
// has no page per event, and the member page asks for the member's key (the sign-in page comes first).
func (b *Bot) explainLink(member, epoch string) string {
	if member == "" {
		return ""
	}
	path := "/m/" + url.PathEscape(member)
	if epoch != "" {
		path += "#" + epochAnchor(epoch)
	}
	return b.publicLink(path)
}

// epochAnchor is the id of an epoch's section on the portal's member and wallet pages (e-ID), escaped
// for a URL fragment.
func epochAnchor(epoch string) string {
	return (&url.URL{Fragment: "e-" + epoch}).EscapedFragment()
}

// leaderboard shows the top 10 and the caller's rank.
func (b *Bot) leaderboard(ctx context.Context, user discord.User, window string) (discord.MessageCreate, error) {
	bd, err := b.Service.LeaderboardDiscord(ctx, user.ID.String(), window, 10)
	if err != nil {
		return discord.MessageCreate{}, err
	}
	title := map[string]string{"all": "Leaderboard: all time", "week": "Leaderboard: this week", "epoch": "Leaderboard: last epoch"}[bd.Window]
	var lines []string
	for i, e := range bd.Top {
		lines = append(lines, fmt.Sprintf("%d. %s: %s", i+1, e.Member, e.Points))
	}
	desc := strings.Join(lines, "\n")
	if desc == "" {
		desc = "No points yet."
	}
	em := embed(title, desc)
	if bd.Caller != nil {
		em.Fields = append(em.Fields, field("You", fmt.Sprintf("#%d of %d: %s", bd.Rank, bd.Members, bd.Caller.Points), false))
	} else {
		em.Fields = append(em.Fields, field("You", "not on this board yet", false))
	}
	return public(em), nil
}

// tier sets a member's tier.
func (b *Bot) tier(ctx context.Context, admin, target discord.User, level int) (discord.MessageCreate, error) {
	ch, err := b.Service.TierDiscord(ctx, admin.ID.String(), target.ID.String(), level)
	if err != nil {
		return discord.MessageCreate{}, err
	}
	return ephemeral(embed("Tier set", fmt.Sprintf("%s (<@%s>) is tier %d from now on, recorded as set by <@%s>.", ch.Member.Handle, target.ID, ch.Member.Tier, admin.ID))), nil
}

// verify marks a member's link verified.
func (b *Bot) verify(ctx context.Context, admin, target discord.User) (discord.MessageCreate, error) {
	l, err := b.Service.DiscordVerify(ctx, admin.ID.String(), target.ID.String())
	if err != nil {
		return discord.MessageCreate{}, err
	}
	return ephemeral(embed("Link verified", fmt.Sprintf("<@%s>'s link to @%s is verified: their payouts are released.", target.ID, l.XUsername))), nil
}

// wallet registers the caller's payout wallet.
func (b *Bot) wallet(ctx context.Context, user discord.User, address string) (discord.MessageCreate, error) {
	w, err := b.Service.WalletDiscord(ctx, user.ID.String(), address)
	if err != nil {
		if plaudit.ErrorCode(err) == plaudit.EINVALID {
			return discord.MessageCreate{}, plaudit.Errorf(plaudit.EINVALID, "%s: copy the address from your wallet app (0x and 40 hex digits).", plaudit.ErrorMessage(err))
		}
		return discord.MessageCreate{}, err
	}
	if w.Recorded {
		return ephemeral(embed("Wallet registered", fmt.Sprintf("Payouts go to `%s` from the next epoch.", w.Address))), nil
	}
	return ephemeral(embed("Wallet kept until your link is verified", fmt.Sprintf("`%s` becomes your payout wallet once an admin verifies your X link.", w.Address))), nil
}

// claim lists the caller's payouts with their claim links.
func (b *Bot) claim(ctx context.Context, user discord.User) (discord.MessageCreate, error) {
	allocs, l, err := b.Service.ClaimsDiscord(ctx, user.ID.String())
	if err != nil {
		return discord.MessageCreate{}, err
	}
	if len(allocs) == 0 {
		msg := "No payouts yet: points turn into payouts when an epoch closes."
		if !l.Verified {
			msg += " Your link is unverified, so payouts wait until an admin verifies it."
		}
		return ephemeral(embed("No payouts", msg)), nil
	}
	var lines []string
	for _, a := range allocs {
		line := fmt.Sprintf("%s: %s to `%s`", a.Epoch, formatUnits(a.Paid, b.decimals(ctx, a.Epoch)), a.Wallet)
		if link := b.claimLink(l.Member, a); link != "" {
			line += fmt.Sprintf(" ([claim](%s))", link)
		}
		lines = append(lines, line)
	}
	return ephemeral(embed("Your payouts", strings.Join(lines, "\n"))), nil
}

// decimals returns the token decimals of a closed epoch (0 when unreadable: amounts then show in base units).
func (b *Bot) decimals(ctx context.Context, epoch string) int {
	ep, err := b.Service.Epoch(ctx, epoch)
	if err != nil {
		return 0
	}
	return ep.Epoch.Decimals
}

// claimLink is where a member claims allocation a: the member portal's read-only page of the paid wallet
// (GET /claim/wallet?address=), which needs no key and shows the epoch's Merkle proof and Permit2 claim, at
// the epoch's section. An allocation without a valid wallet links the member's own portal page instead.
func (b *Bot) claimLink(member string, a plaudit.Allocation) string {
	if plaudit.CheckAddress(a.Wallet) != nil {
		return b.explainLink(member, a.Epoch)
	}
	return b.publicLink("/claim/wallet?address=" + url.QueryEscape(a.Wallet) + "#" + epochAnchor(a.Epoch))
}

// notify turns the caller's payout DMs on or off.
func (b *Bot) notify(ctx context.Context, user discord.User, setting string) (discord.MessageCreate, error) {
	on := setting == "on"
	if setting != "on" && setting != "off" {
		return discord.MessageCreate{}, plaudit.Errorf(plaudit.EINVALID, "setting %q: choose on or off", setting)
	}
	if err := b.Service.NotifyDiscord(ctx, user.ID.String(), on); err != nil {
		return discord.MessageCreate{}, err
	}
	if on {
		return ephemeral(embed("Notices on", "You get a DM with your amount and claim link when an epoch pays you.")), nil
	}
	return ephemeral(embed("Notices off", "No more payout DMs: /notify on turns them back on.")), nil
}

// formatUnits writes base units as a decimal with the token's decimals, trailing zeros trimmed.
func formatUnits(v *big.Int, decimals int) string {
	if v == nil {
		return "0"
	}
	s := v.String()
	if decimals <= 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for len(s) <= decimals {
		s = "0" + s
	}
	out := s[:len(s)-decimals]
	if frac := strings.TrimRight(s[len(s)-decimals:], "0"); frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}
