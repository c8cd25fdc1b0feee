import Testing
import TailGridJob

/// One refused `margin.apc` setting of a table: the tool as written, the model and
/// whether the market has a calibration, and the field and words the refusal must name.
struct APCRefusal: Sendable, CustomTestStringConvertible {
    var apc: String
    var model = "{ kind: gaussian }"
    var calibration = true
    var field: String
    var says: String
    var testDescription: String { apc }

    /// Loads the job `job(apc, model, calibration)` builds and expects it refused with exit
    /// code 65, naming the field.
    func expectRefused(_ job: (_ apc: String, _ model: String, _ calibration: Bool) -> String,
                       load: (String) throws -> LoadedJob) {
        do {
            _ = try load(job(apc, model, calibration))
            Issue.record("\(apc): loaded without error")
        } catch let error as JobError {
            #expect(error.exitCode == 65)
            #expect(error.field == field, "\(error)")
            #expect(error.description.contains(says), "\(error)")
        } catch {
            Issue.record("\(apc): \(error)")
        }
    }
}
