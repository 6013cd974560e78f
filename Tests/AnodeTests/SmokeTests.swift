import Testing
import Anode

@Test func numbers() {
    #expect(SpiceNumber.parse("4.7k") == 4700)
}
