"""Word lists the benchmark corpus is made from (tooling.corpus).

Body words are drawn with Zipf-like weights in list order, so the first words ("security", "policy") are
in most documents and the last ones in few; RARE_TERMS are planted in about one piece in 5,000 so search
can be measured on a term with a handful of hits.
"""

from __future__ import annotations

BODY_WORDS = """
security policy strategic regional nuclear deterrence Pakistan China India cooperation stability
government military diplomacy international defence economic analysis dialogue interests power
development relations framework balance capabilities threat region states crisis technology
foreign national governance conflict strategy missile arms control energy trade border water climate
institutions reform negotiations alliance partnership corridor investment sanctions treaty doctrine
escalation competition diplomatic leadership public opinion media narrative resilience infrastructure
capacity ministry parliament agreement initiative summit bilateral multilateral global domestic
political history future challenges opportunities risks priorities decision makers stakeholders
consensus legitimacy sovereignty territorial maritime naval airpower cyber space satellite launch
orbit astronauts programme research universities students scholars evidence data assessment
indicators trends outlook scenario forecasting uncertainty pressure influence leverage rivalry
posture readiness modernization procurement budget expenditure inflation growth exports imports
currency debt financing lenders reserves markets industry manufacturing agriculture food supply
chains shipping ports railways highways connectivity digital networks artificial intelligence
autonomy drones surveillance intelligence terrorism extremism militancy insurgency counterterrorism
peacekeeping humanitarian refugees migration displacement floods drought heatwave emissions
renewable hydropower coal gas pipeline electricity grid shortages subsidies taxation revenue
elections coalition opposition judiciary constitution federal provinces councils accountability
transparency corruption rule law rights freedoms press civil society communities youth women
education health population urbanization cities villages irrigation glaciers rivers basin
indus afghanistan iran gulf saudi turkey russia america europe japan korea asean central south
east west washington beijing delhi kabul tehran moscow brussels geneva vienna islamabad lahore
karachi quetta peshawar gwadar kashmir balochistan sindh punjab khyber gilgit baltistan ladakh
hypersonic ballistic cruise warheads fissile material enrichment reprocessing safeguards verification
inspections testing moratorium proliferation disarmament nonproliferation export controls regime
norms confidence building measures hotline communication signalling credibility survivability
second strike triad submarine delivery systems command control early warning missile defence
interceptors radar tracking targeting accuracy range payload yield tactical operational
commanders soldiers training exercises deployment mobilization logistics operations campaign
victory defeat ceasefire truce armistice mediation facilitation backchannel envoy ambassador
consulate embassy visit delegation communique statement declaration resolution council assembly
""".split()

# A handful of accented words: French-language pieces and names exercise accent-insensitive search.
ACCENTED_WORDS = """
défense sécurité stratégique régionale énergie coopération développement réforme économie
politique étrangère intérêts équilibre menaces capacités société élection
""".split()

RARE_TERMS = ["siachen", "kirthar", "shaksgam", "zhob", "kalabagh", "thar", "chitral", "kharan"]

TITLE_ADJECTIVES = """
Strategic Nuclear Regional Emerging Shifting Fragile Rising Evolving Contested Uncertain
Quiet New Hidden Growing Changing Enduring Delicate Crucial Deepening Complex
""".split()

TITLE_NOUNS = """
Deterrence Diplomacy Stability Security Cooperation Rivalry Competition Partnership Balance
Dialogue Connectivity Governance Resilience Modernization Arms Control Escalation Crisis Alliance
Leverage Posture Sovereignty Energy Water Climate Trade Technology Space Cyber Maritime
""".split()

TITLE_PLACES = """
South Asia|Pakistan|China|India|Afghanistan|Iran|the Gulf|Central Asia|the Indian Ocean|
the Indo-Pacific|Kashmir|Balochistan|the Arabian Sea|the Middle East|Europe|the United States|
Russia|Turkey|the Region|the Subcontinent
""".replace("\n", "").split("|")

TITLE_TEMPLATES = [
    "{adj} {noun} in {place}",
    "{place}'s {adj} {noun}",
    "The {adj} Politics of {noun} in {place}",
    "{noun} and {noun2}: Lessons for {place}",
    "Rethinking {noun} in {place}",
    "Why {noun} Matters for {place}",
    "{place} and the Future of {noun}",
    "Beyond {noun}: {adj} {noun2} in {place}",
    "{noun}, {noun2} and {place}",
    "Can {place} Manage {adj} {noun}?",
]

SUBTITLE_TEMPLATES = [
    "A {adj} Assessment",
    "Options for Policymakers",
    "Risks and Opportunities in {place}",
    "Between {noun} and {noun2}",
    "What Comes Next for {place}",
]

FIRST_NAMES = """
Syed Ali Anum Bilal Mobeen Ayesha Fatima Hassan Usman Zainab Sana Imran Kamran Farah Nadia
Omar Hamza Sadia Maryam Asad Rabia Saad Shazia Tariq Naveed Uzma Waqas Hira Adnan Mehreen
Wei Li Chen Ming Xiao Jun Ahmed Ahmad John Sarah Michael Emily David Anna José Zoë Chloé
Renée Jürgen Søren Dmitri Elena Mateo Lucía Ingrid Françoise
""".split()

LAST_NAMES = """
Abbas Riaz Zubair Mir Khan Ahmed Malik Qureshi Hussain Shah Butt Chaudhry Siddiqui Raza Iqbal
Javed Akhtar Mahmood Rehman Ansari Baig Naqvi Rizvi Jafri Hashmi Kazmi Bukhari Gilani Durrani
Wang Zhang Liu Zhao Huang Smith Johnson Miller Brown Davis Müller Gómez Núñez Sørensen
Dubois Lefèvre Ivanov Petrova Tanaka Kim
""".split()

HONORIFICS = ["Dr", "Mr", "Ms", "Prof", "Amb (R)", "Lt Gen (R)", "Brig (R)"]
HONORIFIC_WEIGHTS = [35, 30, 20, 6, 4, 3, 2]

HEADLINES = [
    "Research Officer",
    "Senior Research Officer",
    "Associate Director Research",
    "Director Research",
    "Executive Director",
    "Research Assistant",
    "Visiting Fellow",
    "Non-resident Fellow",
    "Communication Officer",
    "Managing Editor, CISS Insight",
    "Assistant Professor",
    "Independent Analyst",
]

ORGANIZATIONS = [
    "Center for International Strategic Studies",
    "National Defence University",
    "Quaid-i-Azam University",
    "National University of Sciences and Technology",
    "Bahauddin Zakariya University",
    "Indus News Network",
    "Institute of Strategic Studies Islamabad",
    "Lahore University of Management Sciences",
    "University of Oxford",
    "Tsinghua University",
]

DEGREES = ["Ph.D.", "M.Phil.", "M.Sc.", "M.A.", "B.S.", "LL.M."]
FIELDS = [
    "International Relations",
    "Political Science",
    "Defence and Strategic Studies",
    "Economics",
    "Peace and Conflict Studies",
    "Physics",
    "Public Policy",
]

PUBLISHERS = ["Palgrave Macmillan", "Routledge", "Oxford University Press", "Springer", "Lexington Books"]

TOPICS = [
    "Arms Control",
    "Nuclear Politics",
    "Strategic Stability",
    "Non-Proliferation",
    "Disarmament",
    "Deterrence",
    "Foreign Policy",
    "Great Power Politics",
    "Middle East Politics",
    "Military Modernization",
    "Space Security",
    "Cyber Security",
    "Emerging Technologies",
    "Artificial Intelligence",
    "Maritime Security",
    "Terrorism and Extremism",
    "Afghanistan",
    "China-Pakistan Relations",
    "India-Pakistan Relations",
    "US-Pakistan Relations",
    "Kashmir",
    "Energy Security",
    "Water Security",
    "Climate Change",
    "Economic Security",
    "Connectivity and CPEC",
    "Traditional Security",
    "Non-Traditional Security",
    "Public Diplomacy",
    "Communication in Global Diplomacy",
    "International Law",
    "Governance",
    "Regional Organizations",
    "Gulf Politics",
    "Central Asia",
    "Russia",
    "Europe",
    "Indo-Pacific",
    "Missile Defence",
    "Hypersonic Weapons",
]

SERIES = [
    ("CISS Insight", "journal", "2309-7639"),
    ("Strategic Thought", "journal", "2663-7502"),
    ("CISS Commentary", "series", ""),
    ("Issue Briefs", "series", ""),
    ("Policy Papers", "series", ""),
    ("Monthly Newsletter", "newsletter", ""),
]

OUTLETS = [
    ("Strafasia", "strafasia.com"),
    ("The National Interest", "nationalinterest.org"),
    ("South Asian Voices", "southasianvoices.org"),
    ("The Diplomat", "thediplomat.com"),
    ("Modern Diplomacy", "moderndiplomacy.eu"),
    ("Eurasia Review", "eurasiareview.com"),
    ("Dawn", "dawn.com"),
    ("The Express Tribune", "tribune.com.pk"),
    ("The News International", "thenews.com.pk"),
    ("Daily Times", "dailytimes.com.pk"),
    ("Global Times", "globaltimes.cn"),
    ("Arab News", "arabnews.com"),
    ("Stimson Center", "stimson.org"),
    ("Bulletin of the Atomic Scientists", "thebulletin.org"),
    ("Lowy Interpreter", "lowyinstitute.org"),
    ("Geopolitical Monitor", "geopoliticalmonitor.com"),
    ("East Asia Forum", "eastasiaforum.org"),
    ("Le Monde diplomatique", "monde-diplomatique.fr"),
    ("Pakistan Observer", "pakobserver.net"),
    ("Paradigm Shift", "paradigmshift.com.pk"),
]
