package dev.weft.coordinator.topology;

import org.apache.avro.specific.SpecificRecord;

/** A decoded input with its original bytes, kept so a rejected request can be dead-lettered as it arrived. */
record Input(SpecificRecord value, byte[] raw) {}
