"""Namespaces of spinekg.

`SK` is a closed vocabulary (`_fail = True`): a misspelt term raises AttributeError
instead of minting a wrong IRI. tests/test_ontology.py keeps it in step with spinekg.ttl.
"""
from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace


class SK(DefinedNamespace):
    """The spinekg ontology: https://w3id.org/spinekg/ontology#"""

    _NS = Namespace("https://w3id.org/spinekg/ontology#")
    _fail = True

    Active: URIRef
    AddOnCode: URIRef
    Anterior: URIRef
    ArteriovenousMalformation: URIRef
    Arthrodesis: URIRef
    Biopsy: URIRef
    BothSpinothalamicTracts: URIRef
    Cervical: URIRef
    CodeGroup: URIRef
    CodeStatus: URIRef
    CombinedExtraIntradural: URIRef
    CombinedPosterolateralTechnique: URIRef
    Cordotomy: URIRef
    Corpectomy: URIRef
    Costovertebral: URIRef
    CountedUnit: URIRef
    CystDrainage: URIRef
    CystOrSyrinx: URIRef
    Decompression: URIRef
    Deleted: URIRef
    DentateLigamentSection: URIRef
    Discectomy: URIRef
    DuringInterbodyArthrodesis: URIRef
    Exploration: URIRef
    Extradural: URIRef
    Facet: URIRef
    Facetectomy: URIRef
    Foraminotomy: URIRef
    Indication: URIRef
    InterbodyTechnique: URIRef
    Interspace: URIRef
    Intradural: URIRef
    IntraduralExtramedullary: URIRef
    Intramedullary: URIRef
    Laminectomy: URIRef
    Laminoplasty: URIRef
    Laminotomy: URIRef
    LateralExtracavitary: URIRef
    LateralExtraforaminal: URIRef
    LesionCompartment: URIRef
    LesionExcision: URIRef
    LesionNature: URIRef
    Lumbar: URIRef
    Myelotomy: URIRef
    NcciAddOnEdit: URIRef
    Neoplasm: URIRef
    NonNeoplasticLesion: URIRef
    OneSpinothalamicTract: URIRef
    OneStage: URIRef
    Osteophytectomy: URIRef
    OsteoplasticReconstruction: URIRef
    Posterior: URIRef
    PosteriorElementReconstruction: URIRef
    Posterolateral: URIRef
    PrimaryCode: URIRef
    ProcedureCode: URIRef
    ProcedureType: URIRef
    Reexploration: URIRef
    Retroperitoneal: URIRef
    Rhizotomy: URIRef
    Sacral: URIRef
    SpinalAccessoryNerveSection: URIRef
    SpinalRegion: URIRef
    SpineCodes: URIRef
    Spondylolisthesis: URIRef
    SurgicalApproach: URIRef
    TechniqueVariant: URIRef
    TetheredCordRelease: URIRef
    Thoracic: URIRef
    Thoracolumbar: URIRef
    ThoracolumbarJunction: URIRef
    ToPeritonealOrPleuralSpace: URIRef
    ToSubarachnoidSpace: URIRef
    Transfacet: URIRef
    Transpedicular: URIRef
    Transperitoneal: URIRef
    Transthoracic: URIRef
    TwoStagesWithin14Days: URIRef
    UserImport: URIRef
    VertebralSegment: URIRef
    addOnTo: URIRef
    addedIn: URIRef
    approach: URIRef
    codeRange: URIRef
    deletedIn: URIRef
    deletionDate: URIRef
    descriptorImport: URIRef
    eachAdditionalUnit: URIRef
    editAddOn: URIRef
    editImport: URIRef
    editPrimary: URIRef
    editType: URIRef
    effectiveDate: URIRef
    hasAddOn: URIRef
    importedOn: URIRef
    indication: URIRef
    lesionCompartment: URIRef
    lesionNature: URIRef
    maxUnits: URIRef
    minUnits: URIRef
    officialDescriptor: URIRef
    procedure: URIRef
    region: URIRef
    sha256: URIRef
    sourceFile: URIRef
    status: URIRef
    unit: URIRef
    variant: URIRef


CPT = Namespace("https://w3id.org/spinekg/cpt/")  # CPT["63304"] is the code 63304
GROUP = Namespace("https://w3id.org/spinekg/group/")  # GROUP["63300-63308"] is a range group
BIOPORTAL_CPT = Namespace("http://purl.bioontology.org/ontology/CPT/")
UBERON = Namespace("http://purl.obolibrary.org/obo/UBERON_")
ONTOLOGY_IRI = URIRef("https://w3id.org/spinekg/ontology")

PREFIXES = {
    "sk": str(SK._NS),
    "cpt": str(CPT),
    "grp": str(GROUP),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}
