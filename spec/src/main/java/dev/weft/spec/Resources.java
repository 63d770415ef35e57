package dev.weft.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Resource limits: cpu as a fraction of cores, memory with units (256Mi, 1Gi, 512M), a pids limit. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Resources(Double cpu, String memory, Long pids) {}
