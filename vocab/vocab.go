// Package vocab is the vocabulary more than one domain speaks: the classes
// of weapon and target that a monitoring report names and a ceasefire's
// prohibitions name back, after the event data conventions (ACLED, UCDP).
// It holds values only, so that domains can share them without importing
// one another.
package vocab

// WeaponClasses are what a strike is made with.
var WeaponClasses = []string{"attack-drone", "missile", "cruise-missile", "ballistic-missile", "glide-bomb", "artillery", "rocket-artillery",
	"mortar", "small-arms", "mine", "mixed", "unknown"}

// TargetClasses are what a strike hits.
var TargetClasses = []string{"residential", "energy", "medical", "education", "transport", "industry", "military", "civilian-other", "unknown"}
