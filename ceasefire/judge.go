package ceasefire

import (
	"slices"
	"sort"
	"time"
)

// Period is a phase in force: from when, until when (the zero time while
// it still is). A phase ends when the next begins or the ceasefire is
// suspended.
type Period struct {
	Phase Phase
	From  time.Time
	Until time.Time
}

// covers reports whether t falls in the period: from its start, up to but
// not including its end.
func (p Period) covers(t time.Time) bool {
	return !t.Before(p.From) && (p.Until.IsZero() || t.Before(p.Until))
}

// InForce returns the period in force at t among periods, or nil if none
// was (before the first, during a suspension).
func InForce(periods []Period, t time.Time) *Period {
	for i := range periods {
		if periods[i].covers(t) {
			return &periods[i]
		}
	}
	return nil
}

// Breaks returns the IDs of the prohibitions of phase p that the incident
// breaks, in the phase's order.
func Breaks(p Phase, in Incident) []string {
	var out []string
	for _, pr := range p.Prohibitions {
		if matches(pr.WeaponClasses, in.Weapon) && matches(pr.TargetClasses, in.Target) &&
			(len(pr.Zones) == 0 || slices.ContainsFunc(pr.Zones, func(z string) bool { return in.in(z, pr.WithinKm) })) {
			out = append(out, pr.ID)
		}
	}
	return out
}

// matches reports whether v is among the classes a prohibition names,
// every class when it names none.
func matches(classes []string, v string) bool {
	return len(classes) == 0 || slices.Contains(classes, v)
}

// Judgment is an incident judged against the phase in force at its time.
type Judgment struct {
	Incident string
	// Phase is the number of the phase in force when it happened, 0 if
	// none was.
	Phase int
	// Breaks lists the prohibitions it breaks.
	Breaks []string
	// Violation: it breaks one and is verified (at the time of the
	// judgment), attributed to Party ("" if it could not be).
	Violation bool
	Party     string
}

// Judge judges each incident, as its verification stood at t, against the
// phase in force at the incident's time.
func Judge(periods []Period, incidents []Incident, t time.Time) []Judgment {
	jg := newJudge(periods, t)
	out := make([]Judgment, len(incidents))
	for i := range incidents {
		out[i] = jg.judge(&incidents[i])
	}
	return out
}

// judge judges incidents one by one against periods sorted once.
type judge struct {
	ps []Period
	t  time.Time
}

// newJudge sorts the periods by start, for a binary search per incident:
// a year of incidents is judged again whenever a phase changes.
func newJudge(periods []Period, t time.Time) judge {
	ps := slices.Clone(periods)
	slices.SortFunc(ps, func(a, b Period) int { return a.From.Compare(b.From) })
	return judge{ps, t}
}

func (jg judge) judge(in *Incident) Judgment {
	j := Judgment{Incident: in.ID}
	k := sort.Search(len(jg.ps), func(k int) bool { return jg.ps[k].From.After(in.At) }) - 1
	if k >= 0 && jg.ps[k].covers(in.At) {
		j.Phase = jg.ps[k].Phase.Number
		j.Breaks = Breaks(jg.ps[k].Phase, *in)
		if s, ok := in.verifiedAt(jg.t); ok && len(j.Breaks) > 0 {
			j.Violation, j.Party = true, s.Party
		}
	}
	return j
}
