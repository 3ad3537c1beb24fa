import spacy

import pipeline


def test_saved_pipeline_reloads_with_identical_output(nlp, seed_text, tmp_path):
    nlp.to_disk(tmp_path / "p")
    reloaded = spacy.load(tmp_path / "p")
    assert reloaded.pipe_names == nlp.pipe_names
    before = pipeline.to_record(nlp(seed_text), doc_id="x")
    after = pipeline.to_record(reloaded(seed_text), doc_id="x")
    assert before == after
