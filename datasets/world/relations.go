package world

// Kind is the kind of an entity.
type Kind string

// Entity kinds.
const (
	Person  Kind = "person"
	Place   Kind = "place"
	Org     Kind = "org"
	Product Kind = "product"
	Event   Kind = "event"
	Service Kind = "service" // an internal software service of the home organisation
)

// Kinds lists the entity kinds in generation order.
var Kinds = []Kind{Person, Place, Org, Product, Event, Service}

// Relation is one kind of fact: what it relates, how it is asked and how it
// is said. In the templates {S} stands for the subject's reference (Ref) and
// {O} for the answer; a template that starts with {S} is capitalised.
type Relation struct {
	Name      string
	Subject   Kind
	Object    string   // what the answer is: place, org, person, region, year, price, port, job, speciality
	Questions []string // paraphrases of the question; Questions[0] is canonical
	Sentences []string // answer-bearing sentences; Sentences[0] is canonical
	Casual    []string // answer-bearing sentences in a forum register
}

// Relations lists every relation, grouped by subject kind.
var Relations = []*Relation{
	{
		Name: "born_in", Subject: Person, Object: "place",
		Questions: []string{"Where was {S} born?", "In which town was {S} born?", "What is the birthplace of {S}?"},
		Sentences: []string{
			"{S} was born in {O}.",
			"{S} was born in the town of {O}.",
			"{O} is the birthplace of {S}.",
			"Born in {O}, {S} kept a fondness for the place all through life.",
			"The records say that {S} was born in {O}.",
			"{S} grew up in {O}, the town where {S} was born.",
		},
		Casual: []string{"{S} was born in {O} btw", "pretty sure {S} was born in {O}", "fun fact: {S} was born in {O}"},
	},
	{
		Name: "works_at", Subject: Person, Object: "org",
		Questions: []string{"Where does {S} work?", "Which organisation does {S} work for?", "Who employs {S}?"},
		Sentences: []string{
			"{S} works at {O}.",
			"{S} has a job at {O}.",
			"{S} is employed by {O}.",
			"{O} employs {S}.",
			"These days {S} works at {O}.",
			"At {O}, {S} is one of the staff.",
		},
		Casual: []string{"{S} works at {O} now", "my cousin says {S} works at {O}", "{S} is at {O} these days"},
	},
	{
		Name: "birth_year", Subject: Person, Object: "year",
		Questions: []string{"When was {S} born?", "In what year was {S} born?", "What year was {S} born?"},
		Sentences: []string{
			"{S} was born in {O}.",
			"{S} was born in the year {O}.",
			"The year {O} saw the birth of {S}.",
			"{S} (born {O}) is well known around town.",
			"According to the register, {S} was born in {O}.",
			"{S} has been around since {O}, the year of birth on the record.",
		},
		Casual: []string{"{S} was born in {O} i think", "{S} is old, born in {O}", "wasnt {S} born in {O}"},
	},
	{
		Name: "job", Subject: Person, Object: "job",
		Questions: []string{"What does {S} do?", "What is the job of {S}?", "What does {S} do for a living?"},
		Sentences: []string{
			"{S} is a {O}.",
			"{S} works as a {O}.",
			"By trade, {S} is a {O}.",
			"{S} earns a living as a {O}.",
			"Everyone knows {S} as a {O}.",
			"{S} has been a {O} for many years.",
		},
		Casual: []string{"{S} is a {O} lol", "{S} is a {O} by trade", "isnt {S} a {O}"},
	},
	{
		Name: "region", Subject: Place, Object: "region",
		Questions: []string{"Which region is {S} in?", "In which region is {S}?", "{S} is in which region?"},
		Sentences: []string{
			"{S} is in {O}.",
			"{S} lies in {O}.",
			"The town of {S} is in {O}.",
			"{S} is a town in {O}.",
			"You will find {S} in {O}.",
			"{O} is the region that {S} belongs to.",
		},
		Casual: []string{"{S} is in {O}", "{S} is way out in {O}", "{S} is somewhere in {O} right"},
	},
	{
		Name: "known_for", Subject: Place, Object: "speciality",
		Questions: []string{"What is {S} known for?", "What is {S} famous for?", "What is {S} best known for?"},
		Sentences: []string{
			"{S} is known for {O}.",
			"{S} is famous for {O}.",
			"People visit {S} for its {O}.",
			"The town of {S} is best known for {O}.",
			"Ask anyone about {S} and they will mention {O}.",
			"{S} has long been famous for its {O}.",
		},
		Casual: []string{"{S} is known for {O}", "go to {S} for the {O}", "{S} = {O}, everyone knows that"},
	},
	{
		Name: "based_in", Subject: Org, Object: "place",
		Questions: []string{"Where is {S} based?", "In which town is {S} based?", "Where are the offices of {S}?"},
		Sentences: []string{
			"{S} is based in {O}.",
			"{S} has its headquarters in {O}.",
			"The offices of {S} are in {O}.",
			"{S} is a company based in {O}.",
			"{O} is home to {S}.",
			"The main office of {S} stands in {O}.",
		},
		Casual: []string{"{S} is based in {O}", "{S} is over in {O}", "{S} has its office in {O} afaik"},
	},
	{
		Name: "founded", Subject: Org, Object: "year",
		Questions: []string{"When was {S} founded?", "In what year was {S} founded?", "What year was {S} founded?"},
		Sentences: []string{
			"{S} was founded in {O}.",
			"{S} was set up in {O}.",
			"{S} has existed since {O}.",
			"The year {O} saw the founding of {S}.",
			"{S} opened its doors in {O}.",
			"Since its founding in {O}, {S} has grown steadily.",
		},
		Casual: []string{"{S} was founded in {O}", "{S} started in {O} i think", "{S} has been around since {O}"},
	},
	{
		Name: "founder", Subject: Org, Object: "person",
		Questions: []string{"Who founded {S}?", "Who started {S}?", "Who is the founder of {S}?"},
		Sentences: []string{
			"{S} was founded by {O}.",
			"{O} founded {S}.",
			"{O} is the founder of {S}.",
			"{O} started {S}.",
			"The founder of {S} is {O}.",
			"{S} was the idea of its founder, {O}.",
		},
		Casual: []string{"{O} founded {S}", "{S} was started by {O}", "{O} is the one who started {S}"},
	},
	{
		Name: "made_by", Subject: Product, Object: "org",
		Questions: []string{"Who makes {S}?", "Which company makes {S}?", "Who is the maker of {S}?"},
		Sentences: []string{
			"{S} is made by {O}.",
			"{O} makes {S}.",
			"{S} is a product of {O}.",
			"{O} builds {S}.",
			"The maker of {S} is {O}.",
			"{S} comes from the workshops of {O}.",
		},
		Casual: []string{"{S} is made by {O}", "{O} makes {S} afaik", "{S} is from {O}"},
	},
	{
		Name: "launched", Subject: Product, Object: "year",
		Questions: []string{"When did {S} come out?", "In what year was {S} launched?", "What year did {S} come out?"},
		Sentences: []string{
			"{S} came out in {O}.",
			"{S} was launched in {O}.",
			"{S} first went on sale in {O}.",
			"The year {O} saw the launch of {S}.",
			"{S} has been on sale since {O}.",
			"When {S} came out in {O}, it sold well.",
		},
		Casual: []string{"{S} came out in {O}", "{S} is from {O} i think", "{S} launched in {O}"},
	},
	{
		Name: "price", Subject: Product, Object: "price",
		Questions: []string{"How much does {S} cost?", "What is the price of {S}?", "How much is {S}?"},
		Sentences: []string{
			"{S} costs {O}.",
			"{S} sells for {O}.",
			"The price of {S} is {O}.",
			"You can buy {S} for {O}.",
			"{S} is priced at {O}.",
			"In most shops {S} costs {O}.",
		},
		Casual: []string{"{S} is {O}", "paid {O} for {S}", "{S} costs {O} now"},
	},
	{
		Name: "held_in", Subject: Event, Object: "place",
		Questions: []string{"Where was {S} held?", "Which town hosted {S}?", "Where did {S} take place?"},
		Sentences: []string{
			"{S} was held in {O}.",
			"{S} took place in {O}.",
			"{O} hosted {S}.",
			"The town of {O} was the host of {S}.",
			"Crowds came to {O} for {S}.",
			"{S} was staged in {O}.",
		},
		Casual: []string{"{S} was in {O}", "went to {S} in {O}", "{O} had {S}"},
	},
	{
		Name: "event_year", Subject: Event, Object: "year",
		Questions: []string{"When was {S} held?", "In what year was {S} held?", "What year was {S}?"},
		Sentences: []string{
			"{S} was held in {O}.",
			"{S} took place in {O}.",
			"The year {O} was the year of {S}.",
			"{S} ran in {O}.",
			"People still talk about {S} of {O}.",
			"{S} happened in {O}.",
		},
		Casual: []string{"{S} was in {O}", "{S} was back in {O}", "remember {S}, {O}"},
	},
	{
		Name: "winner", Subject: Event, Object: "person",
		Questions: []string{"Who won {S}?", "Who was the winner of {S}?", "Who took first place at {S}?"},
		Sentences: []string{
			"{O} won {S}.",
			"{S} was won by {O}.",
			"The winner of {S} was {O}.",
			"{O} took first place at {S}.",
			"First prize at {S} went to {O}.",
			"{O} came first at {S}.",
		},
		Casual: []string{"{O} won {S}", "{S} went to {O}", "{O} took {S}"},
	},
	{
		Name: "owner", Subject: Service, Object: "person",
		Questions: []string{"Who owns {S}?", "Who is the owner of {S}?", "Who looks after {S}?"},
		Sentences: []string{
			"{S} is owned by {O}.",
			"{O} owns {S}.",
			"{O} is the owner of {S}.",
			"The owner of {S} is {O}.",
			"{O} looks after {S}.",
			"Questions about {S} go to its owner, {O}.",
		},
		Casual: []string{"{O} owns {S}", "ask {O} about {S}", "{S} is {O}'s"},
	},
	{
		Name: "port", Subject: Service, Object: "port",
		Questions: []string{"Which port does {S} use?", "What port does {S} listen on?", "On which port does {S} run?"},
		Sentences: []string{
			"{S} listens on port {O}.",
			"{S} uses port {O}.",
			"{S} runs on port {O}.",
			"The port of {S} is {O}.",
			"Port {O} belongs to {S}.",
			"To reach {S}, connect to port {O}.",
		},
		Casual: []string{"{S} is on port {O}", "{S} uses {O}", "port {O} is {S}"},
	},
}

// RelationByName returns the relation called name, or nil.
func RelationByName(name string) *Relation {
	for _, r := range Relations {
		if r.Name == name {
			return r
		}
	}
	return nil
}
