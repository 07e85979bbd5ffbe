package io.mlplatform.formats;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@DisplayName("Column type inference from text values")
class ColumnTypeTest {
  @Test
  @DisplayName("numbers, booleans, timestamps and text are told apart")
  void classify() {
    for (String integer : new String[]{"0", "-12", "+7", "123456789012345678"}) {
      assertThat(ColumnType.classify(integer)).as(integer).isEqualTo(ColumnType.INTEGER);
    }
    for (String real : new String[]{"1.5", "-0.25", ".5", "5.", "1e10", "2.5E-3", "1234567890123456789"}) {
      assertThat(ColumnType.classify(real)).as(real).isEqualTo(ColumnType.DOUBLE);
    }
    for (String time : new String[]{"2024-01-05", "2024-02-11T09:30:00", "2024-02-11 09:30", "2024-02-11T09:30:00.123Z",
        "2024-02-11T09:30:00+02:00"}) {
      assertThat(ColumnType.classify(time)).as(time).isEqualTo(ColumnType.TIMESTAMP);
    }
    assertThat(ColumnType.classify("TRUE")).isEqualTo(ColumnType.BOOLEAN);
    for (String text : new String[]{"abc", "1.2.3", "e5", "-", ".", "1e", "2024-13-01", "2024-01-01T25:00",
        "2024-01-01X", "12:30", "NaN", "1,5"}) {
      assertThat(ColumnType.classify(text)).as(text).isEqualTo(ColumnType.STRING);
    }
  }

  @Test
  @DisplayName("a column widens: integers and doubles make doubles, anything else mixed makes text")
  void widen() {
    assertThat(ColumnType.widen(null, ColumnType.INTEGER)).isEqualTo(ColumnType.INTEGER);
    assertThat(ColumnType.widen(ColumnType.INTEGER, ColumnType.DOUBLE)).isEqualTo(ColumnType.DOUBLE);
    assertThat(ColumnType.widen(ColumnType.TIMESTAMP, ColumnType.INTEGER)).isEqualTo(ColumnType.STRING);
  }
}
