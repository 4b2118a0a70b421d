package gen

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// textGen writes plausible English for each kind of content. Honest text is assembled from many independent
// parts (an opener, a subject, a judgement, a reason, maybe a question and a link) so that two honest posts are
// rarely alike; attacker text comes from the narrow vocabularies that make farming, copy-paste and scripted
// praise what they are.
type textGen struct {
	r       *rand.Rand
	project string // the main project's name, as people write it
	ticker  string
}

func (x *textGen) pick(list []string) string { return list[x.r.IntN(len(list))] }

var firstNames = []string{
	"ada", "alex", "amara", "ana", "andre", "aria", "ben", "bilal", "bo", "carla", "chen", "chidi", "dani", "dario",
	"diego", "dmitri", "elena", "eli", "emeka", "emma", "farah", "felix", "gabe", "grace", "hana", "hugo", "ines",
	"ivan", "jade", "jamal", "jin", "jonas", "jules", "kai", "kenji", "kofi", "lars", "lea", "leo", "lina", "lucas",
	"maya", "mei", "mira", "nadia", "nia", "nico", "noor", "olga", "omar", "otto", "pablo", "priya", "quinn", "rafa",
	"ravi", "rosa", "ruth", "sam", "sana", "sofia", "tariq", "theo", "tomas", "uma", "vera", "wei", "yara", "yusuf",
	"zane", "zara", "zoe", "arjun", "bea", "cyrus", "dara", "elif", "femi", "gio", "hiro", "ilya", "kira", "lucia",
}

var lastNames = []string{
	"abara", "adeyemi", "alvarez", "berg", "bianchi", "chang", "costa", "dahl", "diaz", "dubois", "eze", "fischer",
	"garcia", "haddad", "hoang", "ivanova", "jensen", "kato", "kim", "kowalski", "larsen", "lee", "lopez", "mehta",
	"mensah", "moreau", "nakamura", "novak", "obi", "okafor", "park", "patel", "petrov", "quispe", "rossi", "sato",
	"schmidt", "silva", "singh", "smith", "suzuki", "tanaka", "torres", "varga", "wang", "weber", "yilmaz", "zhou",
}

var handleWords = []string{
	"builder", "degen", "dev", "labs", "maxi", "node", "onchain", "punk", "research", "stack", "writes", "xyz",
	"ape", "bytes", "chain", "cipher", "data", "frames", "hacks", "ops", "protocol", "rollup", "vault", "wagmi",
}

// handle returns a member handle; puppet handles lean on the digit suffixes of bulk-created accounts.
func (x *textGen) handle(puppet bool) string {
	f, l := x.pick(firstNames), x.pick(lastNames)
	if puppet && x.r.IntN(3) > 0 {
		return f + "_" + l + strconv.Itoa(1000+x.r.IntN(9000))
	}
	switch x.r.IntN(9) {
	case 8: // a birth year: honest handles carry four digits too
		return f + "_" + l + strconv.Itoa(1965+x.r.IntN(45))
	case 0:
		return f + "_" + l
	case 1:
		return f + l
	case 2:
		return f + strconv.Itoa(x.r.IntN(100))
	case 3:
		return "0x" + f
	case 4:
		return f + ".eth"
	case 5:
		return f + "_" + x.pick(handleWords)
	case 6:
		return l + "_" + x.pick(handleWords)
	default:
		return f + "." + l
	}
}

var topics = []string{
	"the new staking dashboard", "the epoch rewards", "the fee split proposal", "the API docs", "the /submit command",
	"the leaderboard reset", "the Farcaster frame", "the reputation scores", "the claim page", "the grants program",
	"the testnet launch", "the mobile beta", "the Q2 roadmap", "delegation in the ENG wallet", "the governance cooldown",
	"the bounty board", "the contributor guide", "the rate limiter", "the webhook integration", "the community call",
	"the audit report", "the indexer migration", "gas costs on Base", "the onboarding flow", "the points formula",
	"the sybil filter", "the quest system", "the ambassador program", "the bridge UI", "the payout schedule",
	"the new tier rules", "the docs search", "the Discord bot", "the treasury report", "the validator set",
	"the analytics page", "the referral changes", "the permit2 claims", "the snapshot vote", "the dev workshop",
}

// claimOpeners lead into "<topic> <judgement>"; subjectOpeners into "<topic>: it <judgement>".
var claimOpeners = []string{
	"Honestly,", "I think", "Hot take:", "Unpopular opinion:", "Small thing, but", "Imo", "To be fair,",
	"In my experience", "Not gonna lie,", "After this week I'd say", "Looking at the numbers,", "For what it's worth,",
}

var subjectOpeners = []string{
	"Been playing with", "Quick thoughts on", "Spent the weekend digging into", "Really impressed by",
	"Not sure how I feel about", "Finally tried", "After a week with", "Reading through", "Just tested",
	"Can we talk about", "Still thinking about", "Some notes on",
}

var judgements = []string{
	"is a big step up from the last version", "still feels too complicated for new users",
	"solves a problem I had for months", "needs better docs before it is ready", "makes the whole flow much faster",
	"is underrated", "could use a clearer explanation of the rules", "is exactly what small contributors needed",
	"changes the incentives in a subtle way", "works well on desktop but is rough on mobile",
	"is more generous than I expected", "puts too much weight on raw activity", "finally feels polished",
	"deserves more attention than it gets", "raises some questions about fairness", "broke my old workflow",
	"is the right direction even if the details need work", "feels rushed compared to the rest of the release",
}

var reasons = []string{
	"The claim took me {N} seconds instead of minutes.", "{N} of the people I onboarded got stuck at the wallet step.",
	"The numbers in the breakdown finally add up for epoch {E}.", "I could not find where the multipliers are documented.",
	"Latency dropped from seconds to milliseconds {D}.", "It rewards thoughtful replies over spam, which matters.",
	"{N} friends asked me the same question about it {W}.", "The changelog for v{V} explains the why, not just the what.",
	"My weekly summary now matches what I actually did.", "The old version double counted reposts.",
	"Testing it against epoch {E} gave very different results.", "The error messages tell you what to fix.",
	"It is hard to compare epochs without an export.", "Mobile users get a very different experience.",
	"Delegation should be reversible without a {N}-day wait.", "The cooldown protects governance from quick flips.",
	"Small accounts finally have a chance on the leaderboard.", "The review queue has been stuck for {N} days.",
	"Reading the policy file explained more than any thread.", "The rate limits hit bots much harder than people.",
	"I went from rank {N} to rank {N} without changing anything.", "It took {N} tries to get it working {D}.",
}

var questions = []string{
	"Has anyone measured how this affects small contributors?", "What happens to unclaimed rewards after the epoch closes?",
	"Is there a way to export the history as CSV?", "How are ties on the leaderboard broken?",
	"Would a longer cooldown make governance safer?", "Who decides the weights for each tier?",
	"Did anyone else see their score change overnight?", "Is the scoring code open so we can check it?",
	"What would you change first?", "Does this work with hardware wallets yet?", "Any plans to support more chains?",
	"How do you think this scales to ten times the members?", "Which metric do you watch most closely?",
	"Should replies count more than likes?", "Can someone explain how delegation interacts with the toggle?",
}

var thoughtful = []string{
	"I believe", "I would consider", "It is interesting that", "My guess is that", "I wonder whether",
	"It seems to me that", "On reflection,", "The way I see it,",
}

var claims = []string{
	"quality matters more than volume here", "the incentives push people toward longer threads",
	"a public formula builds more trust than a secret one", "most of the value comes from a few careful contributors",
	"new members need a clearer first step", "reviews deserve as much credit as code",
	"the community call is where decisions really happen", "we should publish the audit results in full",
	"the docs are now better than the product", "the bot should explain every point it awards",
	"spam gets cheaper every month, so filters must keep up", "governance needs more voices, not louder ones",
}

var linkPaths = []string{"docs", "blog", "forum", "gov", "notes", "changelog"}

func (x *textGen) link() string {
	switch x.r.IntN(5) {
	case 0:
		return "https://github.com/" + strings.ToLower(x.project) + "-labs/" + strings.ToLower(x.project) + "/issues/" + strconv.Itoa(1+x.r.IntN(400))
	case 1:
		return "https://" + x.pick(linkPaths) + "." + strings.ToLower(x.project) + ".xyz/" + strings.ReplaceAll(x.pick(topics)[4:], " ", "-")
	case 2:
		return "https://mirror.xyz/" + x.pick(firstNames) + ".eth/" + strconv.FormatUint(x.r.Uint64()%1e12, 36)
	case 3:
		return "https://warpcast.com/" + x.pick(firstNames) + "/0x" + strconv.FormatUint(x.r.Uint64()>>32, 16)
	default:
		return "https://x.com/" + x.pick(firstNames) + "_" + x.pick(lastNames) + "/status/" + strconv.FormatUint(1e18+x.r.Uint64()%8e17, 10)
	}
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// sentence is one honest sentence about a topic.
func (x *textGen) sentence() string {
	switch x.r.IntN(4) {
	case 0:
		return x.pick(claimOpeners) + " " + x.pick(topics) + " " + x.pick(judgements) + "."
	case 1:
		return capitalize(x.pick(topics)) + " " + x.pick(judgements) + "."
	case 2:
		return x.pick(thoughtful) + " " + x.pick(claims) + ", at least for " + x.pick(topics) + "."
	default:
		return x.fill(x.pick(reasons))
	}
}

// post is an original post or cast by an honest member: one to six sentences, sometimes a question or a link.
func (x *textGen) post() string {
	var b strings.Builder
	n := 1 + x.r.IntN(3)
	if x.r.IntN(8) == 0 {
		n += 2 + x.r.IntN(3) // a thread-length post
	}
	b.WriteString(x.pick(subjectOpeners) + " " + x.pick(topics) + ": it " + x.pick(judgements) + ".")
	for range n - 1 {
		b.WriteByte(' ')
		b.WriteString(x.sentence())
	}
	if x.r.IntN(3) == 0 {
		b.WriteByte(' ')
		b.WriteString(x.pick(questions))
	}
	if x.r.IntN(4) == 0 {
		b.WriteString(" " + x.link())
	}
	return b.String()
}

var agreeOpeners = []string{
	"Agree with this.", "Good point, though I see it a bit differently.", "I had the same experience:", "Interesting.", "Not sure that's right.",
	"This matches what we saw on testnet.", "Thanks for writing this up.", "Strong disagree here.", "Fair point.",
	"Been saying this for weeks.", "Partly agree.", "Underrated take.", "Great question.", "Counterpoint:",
}

var shortReplies = []string{
	"Thanks, that helps!", "Great write-up.", "Same here.", "Congrats on shipping!", "Makes sense.",
	"Following this.", "Love this.", "Good catch.", "This is the way.", "Can confirm, works for me now.",
	"Nice, thanks for sharing.", "Interesting, will try it tonight.", "Well put.", "gm! great thread",
	"Bookmarked.", "Agreed 💯", "Ha, exactly.", "Huge if true.", "Saving this for later.", "Thanks for the context.",
	"Oh that's clever.", "Didn't know that, thanks.", "Totally.", "Yes, this.", "Great to see.", "Nice one!",
}

// reply is an honest reply: usually substantive, sometimes a short acknowledgement.
func (x *textGen) reply() string {
	if x.r.IntN(7) == 0 {
		return x.pick(shortReplies) + x.pick(chatSignoffs)
	}
	var b strings.Builder
	b.WriteString(x.pick(agreeOpeners))
	for range 1 + x.r.IntN(3) {
		b.WriteByte(' ')
		b.WriteString(x.sentence())
	}
	if x.r.IntN(3) == 0 {
		b.WriteByte(' ')
		b.WriteString(x.pick(questions))
	}
	if x.r.IntN(10) == 0 {
		b.WriteString(" " + x.link())
	}
	return b.String()
}

var quoteLeads = []string{
	"Worth reading.", "This is the thread I was waiting for.", "Adding some context:", "Important for anyone staking:",
	"Mostly agree, one caveat:", "Here's the part people miss:", "Good summary.", "Sharing for the newer folks.",
}

func (x *textGen) quote() string {
	s := x.pick(quoteLeads) + " " + x.sentence()
	if x.r.IntN(2) == 0 {
		s += " " + x.sentence()
	}
	return s
}

func (x *textGen) mention(username string) string {
	switch x.r.IntN(4) {
	case 0:
		return "@" + username + " " + x.pick(questions)
	case 1:
		return "Shoutout to @" + username + ": " + x.pick(topics) + " " + x.pick(judgements) + "."
	case 2:
		return "@" + username + " " + x.sentence() + " " + x.pick(questions)
	default:
		return x.sentence() + " cc @" + username
	}
}

// chatLines are Discord messages with slots that fill() replaces: {T} a topic, {W} when, {D} where or how,
// {N} a small number, {E} an epoch, {V} a version, {F} a failure, {K} a kind of engagement, {O} a verdict,
// {Q} a question. With the optional greeting and sign-off there are millions of variants, so two honest
// members almost never send the same sentence, as in a real server.
var chatLines = []string{
	"anyone else seeing {T} load slowly {W}?", "how do I connect my wallet for {T}? tried {N} times {D}",
	"{T} is live btw, {O}", "is there a guide for {T} somewhere? {Q}", "quick question about {T}: does it count {K} on Farcaster too?",
	"just read the notes on {T}, {O}", "who is presenting {T} on the call {W}?", "{T} worked for me after a refresh {D}",
	"where do I report a bug in {T}? it {F}", "did {T} change the tier thresholds {W}?",
	"my score dropped by {N} points after {T}, is that expected?", "{T} shows epoch {E} for me but the bot says epoch {E}",
	"can someone explain {T} like I'm five", "been waiting {N} minutes for {T} {D}, normal?", "reminder: {T} {W}, bring questions",
	"tried {T} {D} and it {F}", "does {T} count {K} from before epoch {E}?", "v{V} fixed {T} for me {D}",
	"is {T} supposed to take {N} minutes?", "what's the difference between {T} and {T}?", "ok {T} finally makes sense, {O}",
	"anyone tested {T} with {N} accounts linked?", "loving {T} so far, {O}", "{T} after v{V}: {O}",
}

var (
	chatWhen = []string{"today", "since this morning", "since the update", "for the last hour", "again", "this week",
		"since epoch {E}", "for about {N} minutes", "since {N}:00 UTC", "after v{V}", "tonight", "on thursday"}
	chatWhere = []string{"on mobile", "in Firefox", "on the desktop app", "on iOS", "with a Ledger", "on Android",
		"in Brave", "with WalletConnect", "from the bot", "on the web panel", "behind a VPN", "with two wallets"}
	chatKinds    = []string{"replies", "likes", "recasts", "quotes", "reviews", "comments", "mentions"}
	chatVerdicts = []string{"looks solid", "makes sense to me", "not sure about the cap part", "nice work team",
		"way clearer than before", "still confused about the multipliers", "big improvement", "curious how it plays out",
		"docs could use an example", "solid but slow", "exactly what we asked for", "mixed feelings tbh"}
	chatGreetings = []string{"hey all, ", "quick q: ", "hi! ", "yo ", "hmm ", "ok so ", "gm, ", "sorry if asked before: ", "", "", "", ""}
	chatSignoffs  = []string{" 🙏", " lol", " thanks!", " any ideas?", " 👀", "", "", "", "", ""}
)

// fill replaces fill slots (see chatLines) with random values.
func (x *textGen) fill(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '{' || i+2 >= len(s) || s[i+2] != '}' {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case 'T':
			b.WriteString(x.pick(topics))
		case 'W':
			b.WriteString(x.fill(x.pick(chatWhen)))
		case 'D':
			b.WriteString(x.pick(chatWhere))
		case 'N':
			b.WriteString(strconv.Itoa(2 + x.r.IntN(58)))
		case 'E':
			b.WriteString(strconv.Itoa(1 + x.r.IntN(40)))
		case 'V':
			b.WriteString("2." + strconv.Itoa(x.r.IntN(12)) + "." + strconv.Itoa(x.r.IntN(10)))
		case 'F':
			b.WriteString(x.pick(failures))
		case 'K':
			b.WriteString(x.pick(chatKinds))
		case 'O':
			b.WriteString(x.pick(chatVerdicts))
		case 'Q':
			b.WriteString(x.pick(questions))
		case 'H':
			b.WriteString(strconv.FormatUint(x.r.Uint64()>>36, 16))
		default:
			b.WriteString(s[i : i+3])
		}
		i += 2
	}
	return b.String()
}

var chatShort = []string{
	"lol", "thanks!", "same", "nice", "ty, that worked", "brb", "congrats team", "👀", "following", "good morning all",
	"makes sense", "ok will try", "ah got it", "+1", "that's wild", "haha", "ty!", "oh nice", "wait really?", "same here",
}

// chat is a Discord message: casual, often a question, sometimes substantive.
func (x *textGen) chat() string {
	switch x.r.IntN(6) {
	case 0:
		return x.pick(chatShort)
	case 1, 2, 3:
		return x.pick(chatGreetings) + x.fill(x.pick(chatLines)) + x.pick(chatSignoffs)
	default:
		return x.reply()
	}
}

var components = []string{
	"score breakdown", "epoch settlement", "webhook handler", "leaderboard query", "claim page", "wallet linking",
	"policy loader", "rate limiter", "export job", "Discord bot", "Farcaster ingest", "Merkle builder", "admin panel",
}

var failures = []string{
	"returns 500 on an empty epoch", "double counts reposts", "times out on large communities",
	"ignores the tier of the engager", "shows stale totals after a refresh", "rejects valid addresses with uppercase hex",
	"drops events when the batch is full", "misses replies in long threads", "breaks on emoji in usernames",
}

var features = []string{
	"CSV export of epoch results", "per-rule explanations in the bot", "a dry-run mode for new policies",
	"a dark theme for the panel", "pagination on the leaderboard", "webhook retries with backoff",
	"a config flag for the cooldown", "a health endpoint", "search by member handle",
}

var funcs = []string{"scoreEvent", "splitPool", "loadPolicy", "verifySignature", "buildTree", "appendBatch", "resolveMember"}

// issue returns an issue's title and body.
func (x *textGen) issue() string {
	if x.r.IntN(2) == 0 {
		c, f := x.pick(components), x.pick(failures)
		return "Bug: " + c + " " + f + "\n\n### Steps to reproduce\n1. Open the " + c + "\n2. " + capitalize(x.pick(topics)) +
			" with a fresh account\n3. Watch the result\n\n### Expected\nIt works.\n\n### Actual\nIt " + f + ". " + x.fill(x.pick(reasons))
	}
	feat := x.pick(features)
	return "Feature: " + feat + "\n\n" + x.sentence() + " " + x.sentence() + "\n\n- [ ] design\n- [ ] implement " + feat + "\n- [ ] docs"
}

func (x *textGen) pullRequest(issue int) string {
	s := "Fix " + x.pick(components) + " " + x.pick(failures)
	if x.r.IntN(2) == 0 {
		s = "Add " + x.pick(features)
	}
	s += "\n\nResolves #" + strconv.Itoa(issue) + "\n\n- " + capitalize(x.pick(claims)) + "\n- Tests for `" + x.pick(funcs) + "`"
	if x.r.IntN(3) == 0 {
		s += "\n- " + x.fill(x.pick(reasons))
	}
	return s
}

var ghCommentLeads = []string{
	"I can take this one, ETA {N} hours.", "Looks like the problem is in `%s` around line {N}.", "Reproduced on main at v{V}.",
	"Thanks for the report!", "Could you share the policy file you used for epoch {E}?", "I think this duplicates #{N}.",
	"Pushed a fix in {H}, please re-check.", "The root cause is in `%s`: it assumes the batch is sorted.",
	"Is this still happening after v{V}?", "/start", "Nice, this also fixes the flaky `%s` test.",
	"Benchmarks before and after {H}: {N} ms vs {N} ms.", "Can we add a regression test with {N} events?",
	"Works for me {D} on v{V}.", "Bisected it to {H}.", "`%s` allocates on every call, {N}% of the profile.",
}

var codeVars = []string{"batch", "events", "rows", "scores", "tree", "policy", "epoch", "leaves"}

// ghComment is a GitHub comment: markdown with code spans, sometimes a list or a code block.
func (x *textGen) ghComment() string {
	s := x.fill(strings.Replace(x.pick(ghCommentLeads), "%s", x.pick(funcs), 1))
	if s == "/start" {
		return s
	}
	switch x.r.IntN(5) {
	case 0:
		v := x.pick(codeVars)
		s += "\n\n```go\n" + x.fill("// {N} "+v+" per call\n") + "if err := " + x.pick(funcs) + "(ctx, " + v + "); err != nil {\n\treturn fmt.Errorf(\"" +
			x.pick(components) + ": %w\", err)\n}\n```"
	case 1:
		s += "\n\n- " + x.fill(x.pick(reasons)) + "\n- " + x.fill(x.pick(reasons))
	case 2:
		s += " " + x.sentence() + " " + x.pick(questions)
	case 3:
		s += " " + x.fill("Took {N} minutes to reproduce {D}.")
	default:
		s += x.fill(" Seen {N} times in the logs since epoch {E}.")
	}
	return s
}

func (x *textGen) review(state string) string {
	switch state {
	case "APPROVED":
		s := x.pick([]string{"LGTM, nice cleanup.", "Approved. Thanks for adding tests.", "Looks good to me.", "LGTM 🚀"})
		if x.r.IntN(2) == 0 {
			s += x.fill(" Tested locally against epoch {E} with {N} members.")
		}
		return s
	case "CHANGES_REQUESTED":
		return "A few things before merging:\n\n- `" + x.pick(funcs) + "` should wrap its error with context\n- " + x.fill(x.pick(reasons))
	}
	return x.pick([]string{"Left some comments inline.", "Question about the approach: " + x.pick(questions), "Mostly nits, see inline."})
}

var announcements = []string{
	"We just shipped %s. Here's what changed and why.", "Epoch %d is closed: rewards are claimable now.",
	"Community call on Thursday: we'll walk through %s.", "New post on the blog about %s.",
	"Heads up: %s goes live tomorrow.", "Thank you for an amazing week. %s is next.",
	"Bounties are open for %s, check the board.", "Governance vote on %s starts today.",
}

func (x *textGen) announcement() string {
	s := x.pick(announcements)
	s = strings.Replace(s, "%s", x.pick(topics), 1)
	s = strings.Replace(s, "%d", strconv.Itoa(1+x.r.IntN(60)), 1)
	return s + " " + x.sentence() + " " + x.link()
}

var gmWords = []string{
	"gm", "gm ser", "gn", "gm gm", "wagmi", "lfg", "lfg ser 🚀", "gm fren", "bullish", "🔥🔥🔥", "wagmi 🚀🚀", "gm frens ☀️",
	"ser this is huge", "ngmi without this", "gm, lfg!", "based", "lfg 🔥", "gmgm", "huge", "👀", "gn frens", "wagmi ser",
	"lfg!!", "gm 🫡", "bullish ser", "fren", "gm wagmi",
}

func (x *textGen) gm() string { return x.pick(gmWords) }

var copyTemplates = []string{
	"🚀 %P is going to change everything! I just wrote a full breakdown of why %T is undervalued, check my profile for the link 👇",
	"Great project with a strong team. Airdrop hunters don't sleep on %P! Follow me for more alpha 💎",
	"This is the most bullish thing I've seen all week. Read my thread on %T here: https://x.com/alpha_calls/status/1888877766655544332",
	"Amazing update! If you want free whitelist spots for %P, DM me 'WL' and I'll send the details.",
	"%P + Base = the future of web3. Like and repost if you agree! 🔥",
	"Don't miss the %T giveaway: 500 %T to random holders who follow and share. Details in bio!",
	"I've been in crypto since 2017 and %P is the only project I'm all in on. %T to the moon 🌕",
	"Claim your %P rewards early before the snapshot: https://%p-rewards.claims-portal.io",
}

var spamEmoji = []string{"🚀", "🔥", "💎", "🌕", "💰", "✅", "👇", "🙌"}
var spamTags = []string{"#crypto", "#airdrop", "#web3", "#DeFi", "#altcoins", "#100x"}

// copyPaste returns template i with the light edits copy-pasters make to dodge exact-duplicate filters.
func (x *textGen) copyPaste(i int) string {
	s := copyTemplates[i%len(copyTemplates)]
	s = strings.ReplaceAll(s, "%P", x.project)
	s = strings.ReplaceAll(s, "%p", strings.ToLower(x.project))
	s = strings.ReplaceAll(s, "%T", x.ticker)
	switch x.r.IntN(5) {
	case 0:
		s = x.pick([]string{"Wow, ", "Guys, ", "Fam, ", "Listen: "}) + s
	case 1:
		s += " " + x.pick(spamEmoji)
	case 2:
		s += " " + x.pick(spamTags) + " " + x.pick(spamTags)
	case 3:
		s = strings.Replace(s, "!", "!!", 1)
	}
	return s
}

var ringPraise = []string{
	"This is such a great point, %s!", "Love this take, totally agree.", "Great thread, everyone should read this.",
	"Spot on as always.", "Couldn't agree more 🙌", "This deserves more attention.", "Brilliant breakdown, %s.",
	"Exactly what I was thinking.", "So well explained, thank you!", "Facts. Great post.", "Yes! This is the way.",
}

func (x *textGen) ringReply(name string) string {
	return strings.Replace(x.pick(ringPraise), "%s", name, 1)
}

var sybilLines = []string{
	"Nice!", "Great post", "Agreed", "Interesting", "Well said", "👍", "Love it", "Great project", "Awesome",
	"So true", "Excited for this", "Good one",
}

var sybilPosts = []string{
	"Excited for what's coming next.", "Just joined the community, happy to be here!", "Big things ahead for %P.",
	"Learning a lot from this community.", "Great week for %P.", "Can't wait for the next epoch.",
}

func (x *textGen) sybilReply() string { return x.pick(sybilLines) }

func (x *textGen) sybilPost() string {
	return strings.ReplaceAll(x.pick(sybilPosts), "%P", x.project)
}

var feedbackTexts = []string{
	"Bug: the %s shows the wrong epoch after midnight UTC.", "Suggestion: let members export their score history from %s.",
	"The %s should explain why an engagement earned zero points.", "Idea: weekly digest of %s in the Discord bot.",
	"Bug: %s fails silently when the wallet is not checksummed.", "Please add a confirmation step to %s.",
}

func (x *textGen) feedback() string {
	return strings.Replace(x.pick(feedbackTexts), "%s", x.pick(components), 1) + " " + x.fill(x.pick(reasons))
}
