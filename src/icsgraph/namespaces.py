"""The vocabularies icsgraph speaks, as small declarative namespaces (rdflib style)."""
from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD  # noqa: F401 (PROV re-exported)

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
#: W3C RDF Data Cube and the SDMX dimensions, measure and attributes readings use
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
#: the progress status scheme, see ontology/status.ttl
STATUS = Namespace("https://w3id.org/icsgraph/id/status/")

PREFIXES = {
    "icsg": ICSG, "id": ID, "topic": TOPIC, "org": ORG, "cids": CIDS,
    "dct": DCTERMS, "owl": OWL, "prov": PROV, "rdf": RDF, "rdfs": RDFS,
    "skos": SKOS, "xsd": XSD, "foaf": FOAF, "qb": QB, "sdmx-dimension": SDMX_DIMENSION,
    "sdmx-measure": SDMX_MEASURE, "sdmx-attribute": SDMX_ATTRIBUTE,
}


def node(kind: str, ident: str):
    """The stable IRI of a node: made from its table kind and its id, never a row number."""
    return ID[f"{kind}/{ident}"]


def topic(ident: str):
    return TOPIC[ident]
