"""The French words and spaCy Matcher patterns the profile reader uses (bot/nlu/profile_reader.py).

Words are compared in their plain form (lower case, no accents) or by spaCy's lemma, so that
"arrêté", "arrêtée" and "j'ai arrêté" are one pattern.
"""
from __future__ import annotations

PROFESSIONAL, MIXED = "professionnelle", "mixte"
INSIDE, OUTSIDE = "inside", "outside"

# Clause boundaries besides punctuation.
CLAUSE_WORDS = {"et", "mais", "puis", "ensuite", "sinon", "apres"}

# Status of a diploma named in the same clause (Matcher patterns; labels are the statuses).
NEGATED, DIPLOMA_CUE, WANTED = "negated", "diploma_cue", "wanted"
_COMPLETE = ["finir", "terminer", "achever", "boucler"]
_PASS = ["valider", "obtenir", "avoir", "décrocher"]
STATUS_PATTERNS = {
    "abandoned": [
        [{"LEMMA": {"IN": ["arrêter", "abandonner", "interrompre", "quitter", "lâcher", "stopper"]}}],
        [{"LOWER": {"IN": ["pas", "jamais", "non"]}}, {"OP": "?"}, {"LEMMA": {"IN": _COMPLETE}}],
        [{"_": {"plain": {"IN": ["inacheve", "inachevee", "abandon"]}}}],
    ],
    "failed": [
        [{"LEMMA": {"IN": ["rater", "échouer", "louper", "recaler", "ajourner", "planter", "foirer"]}}],
        [{"_": {"plain": {"IN": ["rate", "ratee", "echec", "echoue", "recale", "recalee", "loupe"]}}}],
        [{"LOWER": {"IN": ["pas", "jamais", "non"]}}, {"OP": "?"}, {"LEMMA": {"IN": _PASS}}],
    ],
    "in_progress": [
        [{"LOWER": "en"}, {"LOWER": "cours"}],
        [{"LOWER": "en"}, {"LOWER": "train"}],
        [{"LOWER": {"IN": ["je", "j'"]}}, {"LEMMA": {"IN": ["suivre", "poursuivre", "passer", "faire"]},
                                            "MORPH": {"IS_SUPERSET": ["Tense=Pres"]}}],
        [{"LEMMA": {"IN": ["préparer", "entamer", "commencer", "reprendre", "inscrire", "rentrer", "entrer",
                           "intégrer"]}}],
        [{"LOWER": {"IN": ["je", "j'"]}}, {"LEMMA": "être"}, {"LOWER": "en"}],
        [{"_": {"plain": {"IN": ["actuellement", "bientot", "prochainement", "futur", "future"]}}}],
        [{"_": {"plain": {"REGEX": r"^(\d+(e|er|eme|ere)|premiere|deuxieme|troisieme|derniere)$"}}},
         {"_": {"plain": {"IN": ["annee", "an"]}}}],
    ],
    NEGATED: [
        [{"LOWER": {"IN": ["pas", "sans", "aucun", "aucune", "ni", "jamais"]}}],
    ],
    # "je cherche un master", "vous proposez un BTS ?": a diploma wanted or offered, not held.
    WANTED: [
        [{"LEMMA": {"IN": ["chercher", "rechercher", "vouloir", "souhaiter", "envisager", "viser", "proposer",
                           "intéresser", "offrir", "existe", "exister"]}}],
        [{"_": {"plain": {"REGEX": r"^((re)?cherch|propos|souhait|envisag|interess)"}}}],
    ],
    DIPLOMA_CUE: [
        [{"LEMMA": "avoir", "POS": "VERB"}],
        [{"_": {"plain": {"REGEX": r"^(diplom|titulaire|deass|dees|decesf|deeje|deets|obtenu|valide)"}}}],
        [{"ORTH": "DE"}],
        [{"_": {"plain": {"IN": ["d'etat", "etat"]}}}],
    ],
}

# A duration in such a clause is not experience.
NOT_EXPERIENCE = {
    "vivre", "habiter", "résider", "étudier", "étude", "études", "chômage", "chomage", "chômeur",
    "chômeuse", "demandeur", "demandeuse", "retraite", "retraité", "retraitée", "âge", "age", "né",
    "née", "marier", "mariée", "marié", "enfant", "fac", "université", "école", "scolarité", "cursus",
    "séjour", "voyager", "expatrier", "résidence", "diplômé", "diplômée", "obtenir", "obtenu",
}
# A duration in such a clause is experience.
EXPERIENCE = {
    "expérience", "experience", "exp", "xp", "travailler", "bosser", "exercer", "occuper", "diriger",
    "animer", "encadrer", "coordonner", "militer", "engager", "intervenir", "accompagner", "gérer",
    "poste", "emploi", "job", "boulot", "métier", "carrière", "contrat", "cdd", "cdi", "intérim",
    "salarié", "salariée", "fonctionnaire", "contractuel", "contractuelle", "vacataire", "bénévole",
    "bénévolat", "volontaire", "volontariat", "association", "asso", "associatif", "associative",
    "syndicat", "syndical", "syndicale", "structure", "foyer", "ehpad", "mjc", "comme", "tant",
    "chez", "sein", "terrain", "secteur", "domaine", "professionnel", "professionnelle", "pro",
    "ancienneté", "pratique", "service", "engagement", "mission", "missions", "direction", "diriger",
    "responsable", "coordination", "encadrement", "animation", "intervention", "accompagnement",
}

# A clause that asks about a diploma without speaking of oneself ("combien coûte le master de
# droit du Cnam ?") says nothing of the candidate's.
ASKING = {"combien", "quel", "quelle", "quels", "quelles", "coute", "coutent", "prix", "tarif", "cout",
          "pourquoi", "comment", "quand"}
FIRST_PERSON = {"je", "j'", "j", "mon", "ma", "mes", "moi", "m'", "jai", "jsuis", "perso"}

# Before a job's name: the job is meant, not the diploma ("je travaille comme EJE").
AS_JOB = {"comme", "que", "suis", "es", "est", "poste", "fonction"}

# Right after a duration, these say where or on what it was spent ("5 ans en foyer").
AFTER_DURATION = {"en", "dans", "comme", "chez", "de", "d'", "au sein", "a", "aupres"}

# Kinds: what the person says of their status wins over where they worked, which wins over
# what their work implies (a job, a contract).
KIND_STATUS = {
    "bénévole": {"benevole", "benevoles", "benevolat", "benevolement", "volontaire", "volontariat",
                 "militant", "militante", "militantisme", "civique"},
    PROFESSIONAL: {"salarie", "salariee", "salaries", "salariees", "cdd", "cdi", "fonctionnaire",
                   "contractuel", "contractuelle", "vacataire", "interim", "interimaire", "professionnel",
                   "professionnelle", "professionnellement", "pro", "paye", "payee", "remunere",
                   "remuneree", "agent", "agente"},
}
# "expérience associative", "syndicaliste": the kind. "dans une asso", "au syndicat" say where,
# not whether the work was paid, except as a short answer to the kind question.
KIND_PLACE = {
    "syndicale": {"syndicale", "syndical", "syndicaliste", "syndicales", "syndicaux"},
    "associative": {"associative", "associatif", "associatifs", "associatives"},
}
KIND_PLACE_ANSWER = {
    "syndicale": {"syndicat", "syndicats"},
    "associative": {"association", "associations", "asso", "assos"},
}
KIND_IMPLIED = {"travailler", "bosser", "exercer", "poste", "emploi", "job", "boulot", "métier",
                "contrat", "employer", "embaucher", "travaille", "bosse", "bossé", "travaillé",
                "employée", "employé", "metier"}
BOTH_KINDS = {"deux", "mixte", "mix"}
DENY = {"pas", "jamais", "non", "sans", "plus"}
# Words after which "associative", "syndicale" name the kind of the experience.
ENGAGEMENT = {"experience", "experiences", "engagement", "engagements", "militant", "militante", "activite",
              "activites", "responsabilites", "mandat", "mandats", "vie", "benevolat", "delegue", "deleguee",
              "militantisme", "parcours"}

# The programme's fields (seed 001: "l'intervention sociale au sens large") and fields clearly
# outside them.
FIELDS_INSIDE = {
    "social", "sociale", "sociaux", "sociales", "medico-social", "medico-sociale", "medicosocial",
    "socioculturel", "socioculturelle", "socio-culturel", "socio-culturelle", "culturel", "culturelle",
    "culture", "animation", "insertion", "ess", "associatif", "associative", "association", "asso",
    "ehpad", "foyer", "mjc", "handicap", "enfance", "creche", "ccas", "prevention", "mediation",
    "jeunesse", "solidarite", "solidaire", "hebergement", "musee", "theatre", "bibliotheque",
    "mediatheque", "spectacle", "cooperative", "scop", "scic", "humanitaire", "ong", "caf",
    "educatif", "educative", "populaire", "quartier", "protection", "accompagnement", "aidant",
    "sante", "medical", "hopital", "domicile", "mutuelle", "syndicat", "syndical",
    # Establishments of the social and médico-social sector.
    "esat", "ime", "itep", "chrs", "sessad", "mecs", "fam", "mas", "cada", "ase", "pmi", "cmpp", "savs",
    "samsah", "ehpa", "foyers", "migrants", "quartiers", "restos", "emmaus", "centres",
}
FIELDS_OUTSIDE = {
    "banque", "bancaire", "assurance", "assurances", "vente", "vendeur", "vendeuse", "commerce",
    "commercial", "commerciale", "btp", "batiment", "chantier", "industrie", "industriel",
    "industrielle", "usine", "informatique", "immobilier", "logistique", "distribution",
    "restauration", "hotellerie", "finance", "marketing", "transport", "automobile", "caissier",
    "caissiere", "magasin", "supermarche",
}

# "aucune expérience", "zéro", "jamais travaillé": no experience at all.
NO_EXPERIENCE = [
    [{"_": {"plain": {"IN": ["aucune", "aucun", "pas", "zero", "0", "sans", "nulle"]}}},
     {"OP": "?"}, {"_": {"plain": {"REGEX": r"^(experience|exp|xp)"}}}],
    [{"_": {"plain": "jamais"}}, {"LEMMA": {"IN": ["travailler", "bosser", "exercer"]}}],
]
# What a bare answer to the question just asked can be: "aucun", "rien", "zéro".
BARE_NONE = {"aucun", "aucune", "rien", "zero", "0", "jamais"}
# "je ne sais pas", "aucune idée": not an answer at all.
DONT_KNOW = {"sais", "sait", "savoir", "idee", "souviens", "rappelle", "ignore", "jsp", "sur", "sure"}

# Before a number: at least ("plus de 3 ans") or below ("presque 3 ans").
AT_LEAST = {"plus", "depasse", "au-dela", "minimum"}
BELOW = {"presque", "bientot", "quasiment", "pratiquement", "pres", "quasi", "tout", "moins"}
UNITS = {"an": 1.0, "ans": 1.0, "annee": 1.0, "annees": 1.0, "mois": 1 / 12, "semestre": 0.5,
         "semestres": 0.5}
ABOUT = {"dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30}

# A message that corrects an answer given earlier ("en fait j'ai un master").
CORRECTION = [
    [{"_": {"plain": "en"}}, {"_": {"plain": "fait"}}],
    [{"_": {"plain": {"IN": ["plutot", "finalement", "correction", "erreur", "pardon", "rectification"]}}}],
    [{"LEMMA": "tromper"}],
    [{"_": {"plain": "je"}}, {"_": {"plain": "voulais"}}, {"_": {"plain": "dire"}}],
    [{"_": {"plain": {"IN": ["non", "nan"]}}}, {"_": {"plain": {"IN": [",", "j'", "je", "c'est", "un", "une", "le", "la", "pas"]}}}],
]
