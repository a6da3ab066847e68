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

    Abscess: URIRef
    Access: URIRef
    Active: URIRef
    AddOnCode: URIRef
    Allograft: URIRef
    Anterior: URIRef
    Anterolateral: URIRef
    ArteriovenousMalformation: URIRef
    Arthrodesis: URIRef
    AtlantoAxial: URIRef
    Autograft: URIRef
    BelowC2: URIRef
    BiomechanicalDevice: URIRef
    Biopsy: URIRef
    BoneGraft: URIRef
    BoneMarrowAspiration: URIRef
    BothSpinothalamicTracts: URIRef
    CategoryI: URIRef
    CategoryIII: URIRef
    CavityCreation: URIRef
    Cervical: URIRef
    Circumferential: URIRef
    ClosedReduction: URIRef
    ClosedTreatment: URIRef
    CodeCategory: URIRef
    CodeGroup: URIRef
    CodeStatus: URIRef
    CombinedExtraIntradural: URIRef
    CombinedPosterolateralTechnique: URIRef
    Confirmed: URIRef
    ContiguousDefect: URIRef
    Cordotomy: URIRef
    Corpectomy: URIRef
    Costovertebral: URIRef
    CountedUnit: URIRef
    CraniovertebralJunction: URIRef
    CystDrainage: URIRef
    CystOrSyrinx: URIRef
    Decompression: URIRef
    Deleted: URIRef
    DentateLigamentSection: URIRef
    DiscArthroplasty: URIRef
    Discectomy: URIRef
    DuringInterbodyArthrodesis: URIRef
    Endoscopic: URIRef
    EvidenceLevel: URIRef
    Exploration: URIRef
    Extradural: URIRef
    Facet: URIRef
    Facetectomy: URIRef
    FluoroscopicGuidanceIncluded: URIRef
    Foraminotomy: URIRef
    FractureTreatment: URIRef
    ImagingGuidanceIncluded: URIRef
    Immobilisation: URIRef
    IncisionAndDrainage: URIRef
    Indication: URIRef
    Inferred: URIRef
    Instrumentation: URIRef
    InstrumentationRemoval: URIRef
    InterbodyTechnique: URIRef
    InternalFixation: URIRef
    Interspace: URIRef
    IntoCorpectomyDefect: URIRef
    IntradiscalAnnuloplasty: URIRef
    Intradural: URIRef
    IntraduralExtramedullary: URIRef
    Intramedullary: URIRef
    IntrinsicBonyLesion: URIRef
    Kyphectomy: URIRef
    L5S1Only: URIRef
    Laminectomy: URIRef
    Laminoplasty: URIRef
    Laminotomy: URIRef
    LateralExtracavitary: URIRef
    LateralExtraforaminal: URIRef
    LateralTransverseTechniqueWhenPerformed: URIRef
    LesionCompartment: URIRef
    LesionExcision: URIRef
    LesionNature: URIRef
    Level: URIRef
    LinkStatement: URIRef
    LabelStatement: URIRef
    LocalGraft: URIRef
    Lumbar: URIRef
    Manipulation: URIRef
    ManipulationOrTraction: URIRef
    Morselized: URIRef
    Myelotomy: URIRef
    NcciAddOnEdit: URIRef
    Neoplasm: URIRef
    NonNeoplasticLesion: URIRef
    NonSegmental: URIRef
    OdontoidExcisionOptional: URIRef
    OdontoidFracture: URIRef
    OneOrMoreAdditionalLevels: URIRef
    OneSpinothalamicTract: URIRef
    OneStage: URIRef
    Open: URIRef
    OpenReduction: URIRef
    Osteophytectomy: URIRef
    OsteoplasticReconstruction: URIRef
    Osteotomy: URIRef
    PartialExcision: URIRef
    PelvicFixation: URIRef
    Percutaneous: URIRef
    Posterior: URIRef
    PosteriorElementReconstruction: URIRef
    PosteriorElements: URIRef
    PosteriorInstrumentationIncluded: URIRef
    Posterolateral: URIRef
    PreparatoryDiscectomyOnly: URIRef
    Presacral: URIRef
    PrimaryCode: URIRef
    PriorFusionSite: URIRef
    ProcedureCode: URIRef
    ProcedureType: URIRef
    Reexploration: URIRef
    Reinsertion: URIRef
    Removal: URIRef
    Retroperitoneal: URIRef
    Revision: URIRef
    Rhizotomy: URIRef
    Sacral: URIRef
    SecondLevel: URIRef
    Segmental: URIRef
    SeparateIncision: URIRef
    SpinalAccessoryNerveSection: URIRef
    SpinalDeformity: URIRef
    SpinalRegion: URIRef
    SpineCodes: URIRef
    SpinousProcessWiring: URIRef
    Spondylolisthesis: URIRef
    Stabilisation: URIRef
    Structural: URIRef
    Subfascial: URIRef
    SurgicalApproach: URIRef
    TechniqueVariant: URIRef
    TetheredCordRelease: URIRef
    Thoracic: URIRef
    Thoracolumbar: URIRef
    ThoracolumbarJunction: URIRef
    ThreeColumn: URIRef
    ToPeritonealOrPleuralSpace: URIRef
    ToSubarachnoidSpace: URIRef
    Transfacet: URIRef
    TransoralOrExtraoral: URIRef
    Transpedicular: URIRef
    Transperitoneal: URIRef
    Transthoracic: URIRef
    TwoStagesWithin14Days: URIRef
    Unconfirmed: URIRef
    UnderAnaesthesia: URIRef
    Unlisted: URIRef
    UserImport: URIRef
    VertebralAugmentation: URIRef
    VertebralBody: URIRef
    VertebralBodyPart: URIRef
    VertebralBodyTethering: URIRef
    VertebralDefectOrInterspace: URIRef
    VertebralDislocation: URIRef
    VertebralFracture: URIRef
    VertebralProcess: URIRef
    VertebralSegment: URIRef
    Vertebroplasty: URIRef
    WithBoneGraft: URIRef
    WithInterbodyArthrodesis: URIRef
    WithOpenDecompression: URIRef
    WithoutBoneGraft: URIRef
    WithoutInterbodyArthrodesis: URIRef
    WithoutManipulation: URIRef
    WithoutNeuralDecompression: URIRef
    WithoutOpenDecompression: URIRef
    access: URIRef
    addOnTo: URIRef
    addedIn: URIRef
    approach: URIRef
    category: URIRef
    codeRange: URIRef
    deletedIn: URIRef
    deletionDate: URIRef
    descriptorImport: URIRef
    eachAdditionalUnit: URIRef
    eachUnit: URIRef
    editAddOn: URIRef
    editImport: URIRef
    editPrimary: URIRef
    editType: URIRef
    effectiveDate: URIRef
    evidence: URIRef
    hasAddOn: URIRef
    historySource: URIRef
    importedOn: URIRef
    indication: URIRef
    inferredFrom: URIRef
    lesionCompartment: URIRef
    lesionNature: URIRef
    maxUnits: URIRef
    minUnits: URIRef
    officialDescriptor: URIRef
    procedure: URIRef
    region: URIRef
    reportedWith: URIRef
    sha256: URIRef
    sourceFile: URIRef
    sourceRange: URIRef
    status: URIRef
    sunsetYear: URIRef
    unit: URIRef
    variant: URIRef


from spinekg.ontology.prefixes import CPT_IRI_BASE, GROUP_IRI, PREFIXES  # noqa: E402,F401  (plain strings)

CPT = Namespace(CPT_IRI_BASE)  # CPT["63304"] is the code 63304
GROUP = Namespace(GROUP_IRI)  # GROUP["63300-63308"] is a range group
BIOPORTAL_CPT = Namespace("http://purl.bioontology.org/ontology/CPT/")
UBERON = Namespace("http://purl.obolibrary.org/obo/UBERON_")
ONTOLOGY_IRI = URIRef("https://w3id.org/spinekg/ontology")
