package dev.weft.spec;

/**
 * {@code mapOver: {task: list-files}}: the task is a template expanded into one instance per item of the JSON array
 * that task {@code task} wrote to its result file ({@code $WEFT_RESULT_FILE}). The template waits for {@code task}
 * (it need not be named in {@code dependsOn}); each instance sees its item as {@code ${item}} (and
 * {@code ${item.field}} when items are objects).
 */
public record MapOverSpec(String task) {}
