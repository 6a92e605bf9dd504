"""The vocabularies icsgraph speaks, as small declarative namespaces (rdflib style)."""
from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

#: the icsgraph ontology (classes and properties), see ontology/icsgraph.ttl
ICSG = Namespace("https://w3id.org/icsgraph/ontology#")
#: the nodes of the graph: ID[f"{kind}/{id}"], the id taken from the table
ID = Namespace("https://w3id.org/icsgraph/id/")
#: the SKOS topic scheme, see ontology/topics.ttl
TOPIC = Namespace("https://w3id.org/icsgraph/topic/")
#: W3C Organization Ontology
ORG = Namespace("http://www.w3.org/ns/org#")
#: Common Impact Data Standard
CIDS = Namespace("https://ontology.commonapproach.org/cids#")
SH = Namespace("http://www.w3.org/ns/shacl#")

PREFIXES = {
    "icsg": ICSG, "id": ID, "topic": TOPIC, "org": ORG, "cids": CIDS,
    "dct": DCTERMS, "owl": OWL, "prov": PROV, "rdf": RDF, "rdfs": RDFS,
    "skos": SKOS, "xsd": XSD, "foaf": FOAF,
}


def node(kind: str, ident: str):
    """The stable IRI of a node: made from its table kind and its id, never a row number."""
    return ID[f"{kind}/{ident}"]


def topic(ident: str):
    return TOPIC[ident]
