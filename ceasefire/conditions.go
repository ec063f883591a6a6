package ceasefire

import (
	"fmt"
	"slices"
	"time"
)

// day is a day of a quiet period: 24 hours, whatever the calendar.
const day = 24 * time.Hour

// State is a condition as it stands at a time: whether it holds, since or
// from when, and the incidents or obligations that decide it.
type State struct {
	Condition Condition
	Holds     bool
	// For a quiet period: Quiet is when it began (the phase's start, or
	// the last verified violation that counts), and From when it has held
	// or will hold, if nothing else happens.
	Quiet, From time.Time
	// Deciding lists what decides it: the last verified violation that
	// counts, or the obligations not verified done.
	Deciding []string
	Why      string
}

// Evaluate returns the state of each of the period's phase's conditions at
// now: incidents are read as they stood then (their time, their
// verification up to now), and an obligation counts as done from when it
// was verified done (done, by obligation ID).
func Evaluate(p Period, incidents []Incident, done map[string]time.Time, now time.Time) []State {
	out := make([]State, len(p.Phase.Conditions))
	for i, c := range p.Phase.Conditions {
		switch c.Kind {
		case QuietDays:
			out[i] = quiet(p, c, incidents, now)
		case ObligationsDone:
			out[i] = obligationsDone(p, c, done, now)
		default:
			out[i] = State{Condition: c, Why: fmt.Sprintf("%q is not a condition parley evaluates", c.Kind)}
		}
	}
	return out
}

// quiet evaluates a quiet period: the days since the phase began, or
// since the last violation of the prohibitions the condition names that
// happened in the phase and is verified by now.
func quiet(p Period, c Condition, incidents []Incident, now time.Time) State {
	s := State{Condition: c, Quiet: p.From}
	end := now
	if !p.Until.IsZero() && p.Until.Before(end) {
		end = p.Until
	}
	var last *Incident
	for i := range incidents {
		in := &incidents[i]
		if in.At.Before(p.From) || in.At.After(end) || !in.VerifiedBy(now) {
			continue
		}
		counts := slices.ContainsFunc(Breaks(p.Phase, *in), func(id string) bool {
			return len(c.Prohibitions) == 0 || slices.Contains(c.Prohibitions, id)
		})
		if counts && (last == nil || in.At.After(last.At)) {
			last = in
		}
	}
	if last != nil {
		s.Quiet, s.Deciding = last.At, []string{last.ID}
	}
	s.From = s.Quiet.Add(time.Duration(c.Days) * day)
	s.Holds = !now.Before(s.From)
	quietFor := span(now.Sub(s.Quiet))
	switch {
	case last == nil && s.Holds:
		s.Why = fmt.Sprintf("none since the phase began, %s ago (%d days needed)", quietFor, c.Days)
	case last == nil:
		s.Why = fmt.Sprintf("none since the phase began, %s ago; it holds from %s", quietFor, s.From.UTC().Format("2006-01-02 15:04 UTC"))
	case s.Holds:
		s.Why = fmt.Sprintf("the last verified violation, incident %s, was %s ago (%d days needed)", last.ID, quietFor, c.Days)
	default:
		s.Why = fmt.Sprintf("the last verified violation, incident %s, was %s ago; it holds from %s if no other is verified", last.ID, quietFor, s.From.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return s
}

// span says how long d is, to the hour, as people say it.
func span(d time.Duration) string {
	days, hours := int(d/day), int(d%day/time.Hour)
	unit := func(n int, u string) string {
		if n == 1 {
			return "1 " + u
		}
		return fmt.Sprintf("%d %ss", n, u)
	}
	switch {
	case d < time.Hour:
		return "less than an hour"
	case days == 0:
		return unit(hours, "hour")
	case hours == 0:
		return unit(days, "day")
	}
	return unit(days, "day") + " and " + unit(hours, "hour")
}

// obligationsDone holds when every obligation of the phase was verified
// done by now.
func obligationsDone(p Period, c Condition, done map[string]time.Time, now time.Time) State {
	s := State{Condition: c}
	for _, o := range p.Phase.Obligations {
		if at, ok := done[o.ID]; !ok || at.After(now) {
			s.Deciding = append(s.Deciding, o.ID)
		}
	}
	s.Holds = len(s.Deciding) == 0
	if s.Holds {
		s.Why = fmt.Sprintf("all %d obligations are verified done", len(p.Phase.Obligations))
	} else {
		s.Why = fmt.Sprintf("%d of %d obligations are not verified done", len(s.Deciding), len(p.Phase.Obligations))
	}
	return s
}

// Ready reports whether every condition holds, so that parley proposes the
// next phase: a phase without conditions is never proposed on evidence,
// only agreed.
func Ready(states []State) bool {
	return len(states) > 0 && !slices.ContainsFunc(states, func(s State) bool { return !s.Holds })
}
