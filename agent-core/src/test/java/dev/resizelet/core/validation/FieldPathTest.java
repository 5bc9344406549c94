package dev.resizelet.core.validation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FieldPathTest {

    @Test
    void rendersLikeApimachinery() {
        FieldPath p = FieldPath.root("spec").child("containers").index(0).child("resources").child("limits").key("cpu");
        assertThat(p.text()).isEqualTo("spec.containers[0].resources.limits[cpu]");
        assertThat(p).hasToString("spec.containers[0].resources.limits[cpu]");
    }

    @Test
    void anEmptyRootTakesNoDot() {
        assertThat(FieldPath.root("").child("metadata").child("name").text()).isEqualTo("metadata.name");
        assertThat(FieldPath.root("").index(2).text()).isEqualTo("[2]");
    }

    @Test
    void equalByText() {
        FieldPath a = FieldPath.root("spec").child("containers").index(1);
        FieldPath b = FieldPath.root("spec").child("containers").index(1);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(FieldPath.root("spec").child("containers").index(2));
    }

    @Test
    void aParentIsNotChangedByItsChildren() {
        FieldPath spec = FieldPath.root("spec");
        spec.child("containers");
        spec.child("initContainers").index(0);
        assertThat(spec.text()).isEqualTo("spec");
    }
}
