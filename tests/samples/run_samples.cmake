# Runs each sample program under ctest and checks its pass mark through its exit code (0 passed,
# 1 missed, 2 error; samples/sample_support.h). Every sample runs its full length, with its
# default seed, in under a second on the CPU, so no run is shortened and no bar adjusted.
# The "cpu" runs pass --device cpu; the "cuda" runs pass --device cuda and are skipped (exit 77)
# without a GPU.
function(ember_sample_test sample)
  add_test(NAME sample_${sample} COMMAND $<TARGET_FILE:${sample}> --device cpu ${ARGN})
  set_tests_properties(sample_${sample} PROPERTIES LABELS cpu TIMEOUT 120)
  add_test(NAME sample_${sample}_cuda COMMAND $<TARGET_FILE:${sample}> --device cuda ${ARGN})
  set_tests_properties(sample_${sample}_cuda PROPERTIES LABELS cuda TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endfunction()

ember_sample_test(linear_regression)
ember_sample_test(iris_mlp)
ember_sample_test(xor_mlp)
ember_sample_test(xor_noisy_linear)
# Without --data: scikit-learn's diabetes data from Debian's python3-sklearn (tools/setup.sh).
ember_sample_test(dnn_regression)
