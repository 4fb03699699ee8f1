"""The whole-word SMS, chat and phonetic forms of French the normaliser rewrites (bot/nlu/normalise.py).

Keys are lower case and matched in any case, as whole words. None is itself a common correct
French word, so that correct messages are left alone; the text as typed is what the dialogue
keeps (bot/nlu/spelling.py, TypedText). PHONETIC_FORMS were written apart from the held-out
typo set and measured on it (docs/nlu.md, "SMS and typos").
"""
from __future__ import annotations

from typing import Dict

# Whole-word SMS and chat forms of French, lower case -> what they stand for.
SMS_FORMS: Dict[str, str] = {
    "cb": "combien", "cmb": "combien", "combi1": "combien",
    "c": "c'est", "cé": "c'est", "koi": "quoi", "kwa": "quoi", "quoa": "quoi",
    "pk": "pourquoi", "pq": "pourquoi", "pkoi": "pourquoi", "pourkoi": "pourquoi",
    "svp": "s'il vous plaît", "stp": "s'il te plaît", "slt": "salut", "bjr": "bonjour",
    "bsr": "bonsoir", "mrc": "merci", "mci": "merci", "bcp": "beaucoup",
    "jsuis": "je suis", "chui": "je suis", "chuis": "je suis", "jsui": "je suis",
    "jpeux": "je peux", "jveux": "je veux", "jvoudrais": "je voudrais", "jai": "j'ai", "g": "j'ai",
    "ya": "il y a", "y'a": "il y a", "dc": "donc", "tt": "tout", "ts": "tous", "qd": "quand",
    "qqn": "quelqu'un", "qqch": "quelque chose", "qq": "quelques", "ds": "dans", "pr": "pour",
    "vs": "vous", "ns": "nous", "tjrs": "toujours", "tjs": "toujours", "mtn": "maintenant",
    "ke": "que", "ki": "qui", "pb": "problème", "pbm": "problème", "rdv": "rendez-vous",
    "dispo": "disponible", "fo": "faut",
    "ct": "c'était", "jsp": "je ne sais pas", "tkt": "t'inquiète", "oklm": "tranquille",
    "mnt": "maintenant", "auj": "aujourd'hui", "ajd": "aujourd'hui",
}

# Phonetic spellings, contractions and common misspellings of the programme's words.
PHONETIC_FORMS: Dict[str, str] = {
    # Question words, phonetic or misspelt
    "kel": "quel", "kelle": "quelle",
    "kan": "quand", "kand": "quand", "qand": "quand",
    "koman": "comment", "komen": "comment", "komment": "comment", "coment": "comment",
    "cmt": "comment", "conbien": "combien", "combient": "combien",
    "keske": "qu'est-ce que", "kesk": "qu'est-ce que",
    "eske": "est-ce que", "esque": "est-ce que", "estce": "est-ce",
    "yatil": "y a-t-il", "peuton": "peut-on", "fautil": "faut-il", "puisje": "puis-je",
    "kelkun": "quelqu'un", "qqun": "quelqu'un", "qqc": "quelque chose",
    # Verbs and pronoun contractions
    "pe": "peut", "peus": "peux", "fer": "faire", "fair": "faire",
    "jve": "je veux", "jveu": "je veux", "j'veux": "je veux",
    "jpe": "je peux", "jpeu": "je peux", "j'peux": "je peux",
    "jsais": "je sais", "j'sais": "je sais", "j'suis": "je suis",
    "jcp": "je ne sais pas", "chépa": "je ne sais pas", "chaipa": "je ne sais pas",
    "jvais": "je vais", "j'vais": "je vais",
    "jaimerais": "j'aimerais", "jaimerai": "j'aimerais", "jpense": "je pense",
    "jcomprend": "je comprends", "jcomprends": "je comprends", "jé": "j'ai",
    "t'as": "tu as", "t'es": "tu es", "y'en": "il y en",
    "cest": "c'est", "sil": "s'il", "quil": "qu'il", "quon": "qu'on",
    # Other chat forms
    "pa": "pas", "nn": "non", "ui": "oui", "dac": "d'accord", "daccord": "d'accord",
    "psk": "parce que", "pcq": "parce que", "pck": "parce que", "paske": "parce que",
    "ptet": "peut-être", "vrmt": "vraiment", "slmt": "seulement", "tjr": "toujours",
    "tlm": "tout le monde", "trés": "très", "aprés": "après", "biensur": "bien sûr",
    "avek": "avec", "sava": "ça va", "aujourdhui": "aujourd'hui", "dsl": "désolé",
    "plz": "s'il vous plaît", "mrci": "merci",
    "tps": "temps", "msg": "message", "num": "numéro", "edt": "emploi du temps",
    # Prerequisites, diploma, training, registration, admission
    "prerequi": "prérequis", "prérequi": "prérequis", "prerequie": "prérequis",
    "prerequit": "prérequis", "prerecquis": "prérequis",
    "diplom": "diplôme", "diplomme": "diplôme",
    "formatin": "formation", "formaton": "formation", "fomation": "formation",
    "formasion": "formation", "fromation": "formation",
    "inscripsion": "inscription", "inscrition": "inscription", "incription": "inscription",
    "inscrir": "inscrire", "sinscrire": "s'inscrire", "minscrire": "m'inscrire",
    "canditature": "candidature", "candidture": "candidature", "canditat": "candidat",
    "admition": "admission", "programe": "programme", "nivo": "niveau",
    # Price, funding
    "tarrif": "tarif", "tarrifs": "tarifs", "tariff": "tarif", "devi": "devis",
    "koute": "coûte", "paiment": "paiement", "gratui": "gratuit",
    "finencement": "financement", "finacement": "financement", "financment": "financement",
    "conpte": "compte", "renumeration": "rémunération", "rénumération": "rémunération",
    # Experience, degrees, jobs, internship, work-study
    "experiance": "expérience", "expériance": "expérience", "experince": "expérience",
    "licens": "licence", "lisence": "licence", "license": "licence",
    "reconvertion": "reconversion", "professionel": "professionnel",
    "professionelle": "professionnelle",
    "alternence": "alternance", "alternanse": "alternance",
    "aprentissage": "apprentissage", "stagiere": "stagiaire", "entrepise": "entreprise",
    # Schedule, format
    "horraire": "horaire", "oraire": "horaire", "calandrier": "calendrier",
    "planing": "planning", "presenciel": "présentiel", "présenciel": "présentiel",
    "disponnible": "disponible",
    # Contact, information
    "kontact": "contact", "adress": "adresse", "addresse": "adresse",
    "telefone": "téléphone", "coordonées": "coordonnées",
    "rensegnement": "renseignement", "reponce": "réponse",
    "interressé": "intéressé", "interresse": "intéresse", "bezoin": "besoin",
}
