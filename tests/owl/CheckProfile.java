// The OWL API's own OWL 2 DL profile check, run by tests/test_owl_reasoner.py (Java source launcher).
// Prints the number of violations, then one violation per line.
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class CheckProfile {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        System.out.println(report.getViolations().size());
        for (OWLProfileViolation v : report.getViolations()) {
            System.out.println(v.toString().replace('\n', ' '));
        }
    }
}
