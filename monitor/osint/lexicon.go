package osint

import (
	"regexp"
	"sort"
	"strings"
)

// A weaponPattern maps what a text calls a weapon to a class of
// vocab.WeaponClasses. Specific names come before the general ones they
// contain ("ballistic missile" before "missile"), and a match masks its
// words from the later patterns.
type weaponPattern struct {
	re    *regexp.Regexp
	class string
	// weak marks words that reporters use loosely: "shelling" is said of
	// missile and bomb strikes too, so it counts as artillery only when
	// nothing more specific is named.
	weak bool
}

var weaponPatterns = func() []weaponPattern {
	p := func(class string, weak bool, words ...string) weaponPattern {
		return weaponPattern{regexp.MustCompile(`(?i)\b(?:` + strings.Join(words, "|") + `)\b`), class, weak}
	}
	return []weaponPattern{
		p("ballistic-missile", false, `ballistic missiles?`, `ballistics`, `iskander(?:-m|-k|-type)?s?(?: missiles?)?`, `kn-23s?`, `kinzhals?(?: missiles?)?`,
			`kh-47m2`, `tochka(?:-u)?(?: missiles?)?`, `atacms(?: missiles?)?`),
		p("cruise-missile", false, `cruise missiles?`, `kalibrs?(?: missiles?)?`, `(?:kh|x)-(?:101|555|55|22|32|59|69|35)(?: missiles?)?`,
			`onyx(?: missiles?)?`, `zircons?(?: missiles?)?`, `tsirkons?(?: missiles?)?`, `storm shadows?(?: missiles?)?`, `neptunes?(?: missiles?)?`, `tomahawks?(?: missiles?)?`),
		p("missile", false, `s-300s?(?: missiles?)?`, `s-400s?(?: missiles?)?`, `guided missiles?`, `anti-aircraft missiles?`, `missiles?`, `missile strikes?`, `missile attacks?`),
		p("glide-bomb", false, `guided (?:aerial |aviation |air )?bombs?`, `glide bombs?`, `gliding bombs?`, `kabs?`, `umpks?`, `fab-\d+s?(?: (?:aerial |air |guided )?bombs?)?`,
			`aerial bombs?`, `air bombs?`, `aviation bombs?`),
		p("rocket-artillery", false, `grads?(?: mlrs)?`, `mlrs`, `multiple(?:-| )launch rocket systems?`, `multiple rocket launchers?`, `rocket launchers?`, `uragans?`,
			`smerchs?`, `himars`, `tornado-s`, `bm-21s?`),
		p("mortar", false, `mortars?`, `mortar (?:shells?|fire|rounds?)`),
		p("artillery", false, `artillery`, `howitzers?`, `cannon fire`, `tank fire`),
		p("artillery", true, `shelling`, `shelled`, `shells?`, `shell(?:ed|ing)? attacks?`),
		p("attack-drone", false, `(?:attack |strike |kamikaze |combat |fpv |shahed-type |loitering )?drones?`, `uavs?`, `shaheds?`, `gerans?(?:-2)?`,
			`unmanned aerial vehicles?`, `lancets?`),
		p("small-arms", false, `small arms`, `small-arms`, `machine-gun fire`, `sniper fire`, `gunfire`),
		p("mine", false, `landmines?`, `anti-personnel mines?`, `anti-tank mines?`, `tripwire`),
	}
}()

// A weaponHit is one weapon a sentence names, with a count when one is
// stated right before it ("two Iskander-type missiles").
type weaponHit struct {
	class string
	count int // 0 when none is stated
	weak  bool
	pos   int
}

// weapons finds the weapons a sentence names and their stated counts.
func weapons(s string) []weaponHit {
	masked := []byte(s)
	var hits []weaponHit
	for _, p := range weaponPatterns {
		for _, m := range p.re.FindAllIndex(masked, -1) {
			h := weaponHit{class: p.class, weak: p.weak, pos: m[0]}
			h.count = countBefore(s[:m[0]])
			hits = append(hits, h)
			for i := m[0]; i < m[1]; i++ {
				masked[i] = '#'
			}
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].pos < hits[j].pos })
	return hits
}

// countBefore reads the count written right before a weapon's name,
// across adjectives ("36 Ukrainian drones", "two guided aerial bombs",
// "339 attack drones"). An article ("a drone") is not a count, nor is an
// estimate ("about a dozen", "more than 20", "dozens of").
func countBefore(s string) int {
	toks := tokenize(s)
	j := len(toks) - 1
	for j >= 0 && j >= len(toks)-3 && toks[j].word && countAdjectives[toks[j].low] {
		j--
	}
	if j < 0 {
		return 0
	}
	for start := max(0, j-3); start <= j; start++ {
		if n, c := number(toks, start); c > 0 && start+c-1 == j {
			if start > 0 && approximate(toks, start) || notACount(toks, start, j) {
				return 0
			}
			if start > 0 && (toks[start-1].low == "of" || toks[start-1].low == "at" && start > 1 && toks[start-2].low != "least") {
				// "one of the drones", "at 5 drones"? not a count of them.
				return 0
			}
			return n
		}
	}
	return 0
}

var countAdjectives = set("russian", "ukrainian", "enemy", "hostile", "more", "other", "new", "attack", "strike", "combat", "kamikaze",
	"iranian-made", "iranian", "shahed-type", "shahed", "guided", "aerial", "air", "heavy", "hypersonic", "high-speed", "modernised",
	"modernized", "unguided", "powerful", "additional", "large", "massive", "of", "the", "their", "these", "those", "type", "types")

// targetPatterns map what a strike hit to vocab.TargetClasses.
var targetPatterns = func() []struct {
	re    *regexp.Regexp
	class string
} {
	p := func(class string, words ...string) struct {
		re    *regexp.Regexp
		class string
	} {
		return struct {
			re    *regexp.Regexp
			class string
		}{regexp.MustCompile(`(?i)\b(?:` + strings.Join(words, "|") + `)\b`), class}
	}
	return []struct {
		re    *regexp.Regexp
		class string
	}{
		p("energy", `energy (?:facilit(?:y|ies)|infrastructure|objects?|sites?|system)`, `power (?:lines?|plants?|stations?|grid|substations?|facilit(?:y|ies)|supply|transmission lines?)`,
			`substations?`, `thermal power`, `oil depots?`, `fuel depots?`, `oil refiner(?:y|ies)`, `gas (?:facilit(?:y|ies)|infrastructure|pipelines?)`,
			`without (?:electricity|power|heat(?:ing)?)`, `power outages?`, `blackouts?`, `electricity`, `energy infrastructure`, `transmission lines?`),
		p("medical", `hospitals?`, `clinics?`, `medical (?:facilit(?:y|ies)|institutions?|centres?|centers?)`, `healthcare facilit(?:y|ies)`, `ambulances?`, `maternity`),
		p("education", `schools?`, `kindergartens?`, `universit(?:y|ies)`, `educational (?:institutions?|facilit(?:y|ies))`, `colleges?`, `lyceums?`),
		p("transport", `railways?`, `railway stations?`, `train stations?`, `trains?`, `bus(?:es)?`, `bus stops?`, `bridges?`, `airports?`, `ports?`, `port (?:facilit(?:y|ies)|infrastructure)`, `rail(?:road)? infrastructure`),
		p("industry", `industrial (?:facilit(?:y|ies)|enterprises?|sites?|infrastructure|zones?|plants?)`, `factor(?:y|ies)`, `plants?`, `enterprises?`, `metallurgical`),
		p("residential", `residential(?: (?:buildings?|areas?|neighbou?rhoods?|sector|houses?|blocks?|high-rises?|quarters?))?`, `apartments?(?: buildings?| blocks?)?`,
			`private (?:houses?|homes?|sector|residential)`, `houses?`, `homes?`, `high-rises?(?: buildings?)?`, `multi-stor(?:e)?y(?: buildings?| residential)?`,
			`multi-apartment`, `dormitor(?:y|ies)`, `blocks? of flats`, `households?`, `dwellings?`),
		p("civilian-other", `civilian (?:facilit(?:y|ies)|infrastructure|objects?)`, `infrastructure facilit(?:y|ies)`, `critical infrastructure`, `shops?`, `hypermarkets?`, `supermarkets?`,
			`markets?`, `shopping (?:centres?|centers?|malls?)`, `churche?s?`, `cultural institutions?`, `administrative buildings?`, `government buildings?`,
			`office buildings?`, `petrol stations?`, `gas stations?`, `car service`, `poultry farms?`, `farms?`, `cafes?`, `restaurants?`, `stadiums?`,
			`agricultural`, `warehouses?`),
		p("military", `military (?:facilit(?:y|ies)|targets?|units?|infrastructure|airfields?|bases?)`, `airfields?`, `barracks`, `ammunition depots?`, `air bases?`, `command posts?`),
	}
}()

// targets returns the target classes a sentence names, in the order it
// names them.
func targets(s string) []string {
	type hit struct {
		pos   int
		class string
	}
	var hits []hit
	for _, p := range targetPatterns {
		if m := p.re.FindStringIndex(s); m != nil {
			hits = append(hits, hit{m[0], p.class})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].pos < hits[j].pos })
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.class
	}
	return out
}

// Cue words, matched on a sentence's lower-case tokens.
var (
	// attackWords say a strike or an attack took place.
	attackWords = set("attack", "attacks", "attacked", "attacking", "strike", "strikes", "struck", "striking", "hit", "hits", "shelled",
		"shelling", "fired", "dropped", "launched", "bombarded", "bombardment", "bombed", "bombing", "targeted", "targeting",
		"explosion", "explosions", "blast", "exploded", "airstrike", "airstrikes", "raid", "assault", "downed", "intercepted",
		"destroyed", "debris", "wreckage", "shot", "fire", "aggression", "barrage", "attacker")
	// damageWords say what an attack did.
	damageWords = set("damaged", "destroyed", "burning", "burned", "burnt", "smashed", "fire", "fires", "rubble", "crater", "collapsed",
		"caught", "blaze", "outage", "outages", "damage", "destruction", "ablaze", "shattered")
	// warningWords mark an alert or a threat, not a strike.
	warningWords = set("warned", "warning", "warnings", "threat", "approaching", "alert", "alerts", "air-raid", "shelter", "shelters", "sirens")
	// talkWords mark talks, meetings and political statements.
	talkWords = set("talks", "negotiations", "negotiators", "negotiation", "meeting", "meetings", "met", "discussed", "discussion",
		"discussions", "summit", "envoy", "delegation", "delegations", "guarantees", "ceasefire", "truce", "proposals", "plan",
		"agreement", "diplomatic", "diplomacy", "call", "visit", "sanctions", "aid", "support")
	// separateWords open another incident.
	separateWords = []string{"in a separate", "separately", "meanwhile", "in another", "elsewhere", "in addition to the", "also came under"}
	// summaryWords open a day's or a country's totals, which are never
	// added to the incidents they include.
	summaryWords = []string{"in total", "over the past day", "in the past day", "over the past 24 hours", "in the past 24 hours",
		"over the last 24 hours", "in the last 24 hours", "past day", "overall", "throughout the day", "during the day"}
	// nationalWords mark a country-wide figure: launches and shoot-downs
	// by the air force or a defence ministry.
	nationalWords = []string{"across the country", "the country's air defen", "across ukraine", "across several regions", "several regions",
		"various regions", "air defense forces", "air defence forces", "air force", "defence ministry", "defense ministry", "ministry of defence",
		"ministry of defense", " regions", "oblasts"}
	// backgroundWords mark history and context, not the news.
	backgroundWords = []string{"since the full-scale invasion", "since the start of the full-scale", "since the invasion", "last year", "years ago",
		"since february 2022", "since 2014", "in recent weeks", "last month", "last week"}
	// olderWords mark a figure stated as superseded.
	olderWords = []string{"earlier", "initially", "initial reports", "early reports", "previously", "as reported", "first reports",
		"preliminary", "at first"}
	// revisionWords mark a figure stated as an update.
	revisionWords = []string{"risen to", "rose to", "increased to", "grown to", "climbed to", "updated", "now ", "latest", "already",
		"later", "final", "has reached", "so far"}
	// hedgeWords mark a zero the writer doubts ("as usual, officials
	// claim there are no casualties").
	hedgeWords = []string{"claim", "as usual", "usually", "allegedly", "supposedly"}
)

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
